-- Henkilöstö, nykytila: each area's 24-hour care for older people in the latest complete month: the
-- realised staffing ratio (hoitajamitoitus) and the share of unit-weeks at or above the legal minimum.
select
    s.area_code,
    s.area_name_en,
    s.month,
    c.name_en as indicator,
    s.value
from marts.mart_staff_indicator_monthly as s
inner join marts.mart_indicator_catalogue as c on s.indicator_id = c.indicator_id
where
    s.is_complete_period
    and s.month = (
        select max(l.month) from marts.mart_staff_indicator_monthly as l
        where l.is_complete_period
    )
order by s.indicator_id, s.area_code;
