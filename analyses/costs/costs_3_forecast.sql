-- Kustannukset, ennuste: net costs per resident in the coming months per area and cost indicator,
-- with the 80 % and 95 % intervals, the series' method and its back-test skill (MASE beside the naive
-- benchmark's).
select
    f.area_code,
    f.area_name_en,
    c.name_en as indicator,
    f.month,
    f.forecast_value,
    f.forecast_lower_95,
    f.forecast_upper_95,
    f.backtest_mae
from marts.mart_cost_indicator_forecast as f
inner join marts.mart_indicator_catalogue as c on f.indicator_id = c.indicator_id
where f.row_type = 'forecast'
order by c.indicator_id, f.area_code, f.month;
