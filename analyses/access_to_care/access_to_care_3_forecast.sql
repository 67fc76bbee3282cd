-- Hoitoon pääsy, ennuste: the next months of each indicator per area, with the 95 % interval and how
-- far off the same method was on the series' last months (back-test mean absolute error).
select
    f.area_code,
    f.area_name_en,
    c.name_en as indicator,
    f.month,
    f.forecast_value,
    f.forecast_lower_95,
    f.forecast_upper_95,
    f.backtest_mae,
    c.unit
from marts.mart_access_indicator_forecast as f
inner join marts.mart_indicator_catalogue as c on f.indicator_id = c.indicator_id
where f.row_type = 'forecast'
order by c.indicator_id, f.area_code, f.month;
