-- Vertailu julkaistuihin lukuihin (comparison with published figures): each headline indicator of
-- each county in this warehouse, and of their total, beside what THL, Sotkanet and Statistics
-- Finland published for the same period: the whole country's value, the range across the counties
-- and the county's place in it. A single county's warehouse sees the country this way, never by
-- calling its own total the country.
--
-- The county's own value is read from the series marts (published, disclosure-controlled) and
-- expressed as the published measure (ref_published_indicator_map: the same, or its complement);
-- a period of several months adds the months up by their n (a share or a mean), or sums a
-- per-resident flow (costs), and only when every month of the period is complete and shown.

{%- set series_marts = indicator_series_marts().values() | list %}

with

series as (
    {%- for mart in series_marts %}
        select
            indicator_id,
            area_code,
            area_level,
            month,
            n,
            value,
            is_suppressed,
            is_complete_period
        from {{ ref(mart) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

indicator_map as (
    select * from {{ ref('ref_published_indicator_map') }}
),

figures as (
    select * from {{ ref('bv_published_figures') }}
),

-- every published period of a mapped indicator, once
periods as (
    select distinct
        m.indicator_id,
        m.published_indicator_id,
        m.transform,
        m.aggregation,
        m.definition_differs,
        m.difference,
        f.publisher,
        f.unit,
        f.better,
        f.definition_url,
        f.period_start,
        f.period_end,
        -- the months the period touches: a cross-section date is its month's row (month-end stocks)
        (
            12 * (extract(year from f.period_end) - extract(year from f.period_start))
            + extract(month from f.period_end) - extract(month from f.period_start) + 1
        )::integer as months_expected_n
    from indicator_map as m
    inner join figures as f on m.published_indicator_id = f.published_indicator_id
),

areas as (
    select distinct
        indicator_id,
        area_code,
        area_level
    from series
),

own as (
    select
        p.indicator_id,
        p.published_indicator_id,
        p.period_start,
        p.period_end,
        a.area_code,
        a.area_level,
        count(s.month) as months_n,
        count(s.month) filter (where s.is_complete_period) as complete_months_n,
        count(s.month) filter (where s.is_suppressed) as withheld_months_n,
        count(s.value) filter (where s.is_complete_period and not s.is_suppressed) as shown_months_n,
        sum(s.n) as n,
        case
            when p.aggregation = 'weighted_mean'
                then sum(s.value * s.n) / nullif(sum(s.n) filter (where s.value is not null), 0)
            when p.aggregation = 'sum_per_resident'
                then sum(s.value * s.n) / nullif(avg(s.n) filter (where s.value is not null), 0)
        end as own_value
    from periods as p
    inner join areas as a on p.indicator_id = a.indicator_id
    left join series as s
        on
            a.indicator_id = s.indicator_id
            and a.area_code = s.area_code
            and s.month between date_trunc('month', p.period_start) and p.period_end
    group by
        p.indicator_id, p.published_indicator_id, p.period_start, p.period_end, p.aggregation, a.area_code,
        a.area_level
),

published as (
    select
        published_indicator_id,
        period_start,
        period_end,
        max(value) filter (where area_level = 'country') as national_value,
        count(*) filter (where area_level = 'county') as published_counties_n,
        -- a range, and a place in it, only where the publisher gives every county in force: the
        -- extremes a release names are not the range
        count(*) filter (where area_level = 'county') = (
            select a.counties_n from {{ ref('bv_area') }} as a
            where a.area_level = 'country'
        ) as has_every_county,
        min(value) filter (where area_level = 'county') as published_county_min,
        max(value) filter (where area_level = 'county') as published_county_max,
        max(source) filter (where area_level = 'country') as national_source,
        max(published_on) as published_on,
        max(retrieved_on) as retrieved_on
    from figures
    group by published_indicator_id, period_start, period_end
),

compared as (
    select
        p.indicator_id,
        p.published_indicator_id,
        p.publisher,
        p.unit,
        p.better,
        o.area_code,
        o.area_level,
        p.period_start,
        p.period_end,
        o.months_n,
        p.months_expected_n,
        case
            when o.months_n < p.months_expected_n then 'period_not_covered'
            when o.complete_months_n < p.months_expected_n then 'period_not_complete'
            when o.withheld_months_n > 0 then 'withheld'
            when o.shown_months_n < p.months_expected_n then 'no_value'
            else 'shown'
        end as value_status,
        case when o.shown_months_n = p.months_expected_n then o.n end as n,
        -- rounded as published (1 decimal), so a place compares what the reader sees
        {{ virta.round_to(
            "case when o.shown_months_n = p.months_expected_n and p.transform = 'complement' then 100 - o.own_value"
            ~ " when o.shown_months_n = p.months_expected_n then o.own_value end", 1) }} as own_value,
        -- the publisher's own figure for the same area: a county's, or the country's for a total
        -- that is the whole country
        coalesce(
            own_figure.value,
            case when o.area_level = 'total' and total_area.is_whole_country then pub.national_value end
        ) as published_value,
        pub.national_value,
        case when pub.has_every_county then pub.published_county_min end as published_county_min,
        case when pub.has_every_county then pub.published_county_max end as published_county_max,
        pub.published_counties_n,
        pub.has_every_county,
        p.definition_differs,
        p.difference,
        coalesce(own_figure.source, pub.national_source) as source,
        pub.published_on,
        pub.retrieved_on,
        p.definition_url
    from periods as p
    inner join own as o
        on
            p.indicator_id = o.indicator_id
            and p.published_indicator_id = o.published_indicator_id
            and p.period_start = o.period_start
            and p.period_end = o.period_end
    inner join published as pub
        on
            p.published_indicator_id = pub.published_indicator_id
            and p.period_start = pub.period_start
            and p.period_end = pub.period_end
    left join figures as own_figure
        on
            p.published_indicator_id = own_figure.published_indicator_id
            and p.period_start = own_figure.period_start
            and p.period_end = own_figure.period_end
            and o.area_code = own_figure.area_code
    left join {{ ref('bv_area') }} as total_area
        on o.area_code = total_area.area_code and total_area.area_level = 'total'
),

-- the county's place among the published county figures of the period, its own published figure
-- replaced by its own value (as rounded): 1 = the best (the lowest where lower is better; the
-- highest where higher is better or the measure is neutral, as the marts' ranks); ties share it
placed as (
    select
        c.*,
        case when c.area_level = 'county' and c.own_value is not null and c.has_every_county then
                1 + others.better_n
        end as place,
        case when c.area_level = 'county' and c.own_value is not null and c.has_every_county then
                1 + others.counties_n
        end as places_n
    from compared as c
    -- the other counties' published figures of the period
    left join lateral (
        select
            count(*) as counties_n,
            count(*) filter (
                where case when c.better = 'lower' then f.value < c.own_value else f.value > c.own_value end
            ) as better_n
        from figures as f
        where
            f.published_indicator_id = c.published_indicator_id
            and f.period_start = c.period_start
            and f.period_end = c.period_end
            and f.area_level = 'county'
            and f.area_code != c.area_code
    ) as others on true
)

select
    p.indicator_id,
    p.published_indicator_id,
    p.publisher,
    p.area_code,
    {{ area_names('p.area_code') }},
    p.area_level,
    p.period_start,
    p.period_end,
    p.unit,
    p.own_value as value,
    p.n,
    p.months_n,
    p.value_status,
    p.published_value,
    p.national_value,
    p.own_value - p.national_value as national_gap,
    p.published_county_min,
    p.published_county_max,
    p.published_counties_n,
    p.place,
    p.places_n,
    p.definition_differs as is_definition_different,
    p.difference as definition_difference,
    p.source,
    p.published_on,
    p.retrieved_on,
    p.definition_url,
    p.value_status not in ('period_not_covered', 'period_not_complete') as is_complete_period
from placed as p
{{ area_join('p.area_code') }}
