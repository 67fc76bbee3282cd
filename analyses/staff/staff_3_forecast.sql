-- Henkilöstö, ennuste: the staffing ratio and the share of units meeting the minimum in the coming
-- months per area, with the 80 % and 95 % intervals and the series' back-test error.
select
    f.area_code,
    f.area_name_en,
    c.name_en as indicator,
    f.month,
    f.forecast_value,
    f.forecast_lower_95,
    f.forecast_upper_95,
    f.backtest_mae
from marts.mart_staff_indicator_forecast as f
inner join marts.mart_indicator_catalogue as c on f.indicator_id = c.indicator_id
where f.row_type = 'forecast'
order by c.indicator_id, f.area_code, f.month;
