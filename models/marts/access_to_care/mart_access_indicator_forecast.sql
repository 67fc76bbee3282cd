-- Trend and 6-month forecast (ennuste) of each access-to-care indicator series, with its
-- back-test; the method is the shared forecast_series macro (linear trend + calendar-month
-- seasonality, least squares).

{{ forecast_series(ref('mart_access_indicator_monthly')) }}
