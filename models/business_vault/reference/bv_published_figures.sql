-- Published figures (ref_published_figures) with what the publisher says of each indicator: the
-- reference the comparison mart sets each county's own figures beside. One row per published
-- indicator, area (a county, or FI for the whole country) and period.

select
    f.published_indicator_id,
    i.publisher,
    i.source_code,
    i.name_fi as published_name_fi,
    i.name_en as published_name_en,
    i.unit,
    i.better,
    i.definition,
    i.definition_url,
    f.area_code,
    case when f.area_code = '{{ var("country_area_code") }}' then 'country' else 'county' end as area_level,
    f.period_start,
    f.period_end,
    f.value,
    f.abs_value,
    f.source,
    f.published_on,
    f.retrieved_on
from {{ ref('ref_published_figures') }} as f
inner join {{ ref('ref_published_indicators') }} as i on f.published_indicator_id = i.published_indicator_id
