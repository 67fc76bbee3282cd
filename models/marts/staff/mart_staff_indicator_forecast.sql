-- 6-month forecast (ennuste) of every series of mart_staff_indicator_monthly, with 80 % and 95 % intervals
-- and the back-test skill: what the forecasting step (virta forecast, scripts/virta/forecast.py)
-- made of the series, published by the shared forecast_series macro.

{{ forecast_series('mart_staff_indicator_monthly') }}
