-- Trend and 6-month forecast (ennuste) of each access-to-social-services indicator series, with
-- its back-test; the same method as for health care (the shared forecast_series macro).

{{ forecast_series(ref('mart_social_indicator_monthly')) }}
