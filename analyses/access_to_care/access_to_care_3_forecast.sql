-- Hoitoon pääsy, ennuste: the next months of each indicator per area, with the 80 % and 95 % intervals,
-- the series' method and its back-test skill (MASE beside the naive benchmark's; below 1 beats the
-- typical month-to-month change).
select
    f.area_code,
    f.area_name_en,
    c.name_en as indicator,
    f.month,
    f.forecast_value,
    f.forecast_lower_80,
    f.forecast_upper_80,
    f.forecast_lower_95,
    f.forecast_upper_95,
    f.method,
    f.backtest_mase,
    f.naive_mase,
    c.unit
from marts.mart_access_indicator_forecast as f
inner join marts.mart_indicator_catalogue as c on f.indicator_id = c.indicator_id
where f.row_type = 'forecast'
order by c.indicator_id, f.area_code, f.month;
