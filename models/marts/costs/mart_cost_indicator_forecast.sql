-- Trend and 6-month forecast of the cost series, with its back-test; the same method as the
-- access marts (the shared forecast_series macro).

{{ forecast_series(ref('mart_cost_indicator_monthly')) }}
