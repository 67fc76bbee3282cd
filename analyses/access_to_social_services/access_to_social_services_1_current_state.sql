-- Palveluun pääsy, nykytila: each headline social-services indicator in the latest complete month the
-- area has a published value for, with the total of the warehouse's counties in the same month.
select
    s.area_code,
    s.area_name_en,
    c.name_en as indicator,
    s.month,
    s.value,
    c.unit,
    t.value as total_value,
    c.legal_target
from marts.mart_social_indicator_monthly as s
inner join marts.mart_indicator_catalogue as c on s.indicator_id = c.indicator_id
left join marts.mart_social_indicator_monthly as t
    on s.indicator_id = t.indicator_id and s.month = t.month and t.area_code = 'all'
where s.month = (
        select max(l.month)
        from marts.mart_social_indicator_monthly as l
        where l.indicator_id = s.indicator_id
            and l.area_code = s.area_code
            and l.is_complete_period
            and l.value is not null
    )
order by c.indicator_id, s.area_level, s.area_code;
