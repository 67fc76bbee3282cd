-- Hoitoon pääsy, vertailu: each county's access-to-care indicators beside what THL and Sotkanet
-- published for the same period: the whole country's value, the range across the 22 areas and the
-- county's place in it (1 = best), and whether the definitions differ. A county's own warehouse
-- sees the country here. (The counties of the warehouse ranked among themselves: the detail marts'
-- *_rank columns, e.g. mart_specialised_care_waiting_month_end.over_180_pct_rank.)
select
    c.area_code,
    c.area_name_en,
    c.indicator_id,
    c.published_indicator_id,
    c.period_start,
    c.period_end,
    c.unit,
    c.value,
    c.published_value,
    c.national_value,
    c.national_gap,
    c.published_county_min,
    c.published_county_max,
    c.place,
    c.places_n,
    c.is_definition_different
from marts.mart_indicator_comparison as c
inner join marts.mart_indicator_catalogue as i on c.indicator_id = i.indicator_id
where
    i.use_case = 'access_to_care'
    and c.value_status = 'shown'
order by c.indicator_id asc, c.published_indicator_id asc, c.period_start asc, c.area_level desc, c.place asc;
