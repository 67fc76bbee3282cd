-- Kotona asuvat 75 vuotta täyttäneet (people aged 75+ living at home): at each year's last
-- reporting month end, the share of residents aged 75+ who are not in 24-hour service housing,
-- per county and for all counties together: the effectiveness goal of vanhuspalvelulaki § 14 (long-term
-- care primarily at home). The age is var('older_people_age').

{%- set old = var('older_people_age') %}
{%- set older_n = population_age_bands().older.column %}

with year_ends as (
    {{ year_end_month_ends() }}
),

residents as (
    select
        p.county_code,
        p.month_end,
        sum(p.{{ older_n }}) as {{ older_n }}
    from {{ ref('bv_population_monthly') }} as p
    inner join year_ends as y on p.month_end = y.month_end
    group by p.county_code, p.month_end
),

-- aged 75+ and in 24-hour housing on the date: started by then and not ended
in_housing as (
    select
        d.county_code,
        y.month_end,
        count(distinct d.person_hk) as in_housing_n
    from {{ ref('bv_social_care_decision') }} as d
    inner join {{ ref('bv_person') }} as p on d.person_hk = p.person_hk
    inner join year_ends as y
        on
            d.service_started_on <= y.month_end
            and (d.service_ended_on is null or d.service_ended_on > y.month_end)
            and {{ virta.age_in_years('p.birth_date', 'y.month_end') }} >= {{ old }}
            and (p.death_date is null or p.death_date > y.month_end)
    -- the people the residents count (the denominator): those in the population register
    where d.service = 'housing_24h' and d.outcome = 'granted' and p.is_in_population_register
    group by d.county_code, y.month_end
),

joined as (
    select
        r.county_code,
        r.month_end,
        r.{{ older_n }},
        coalesce(h.in_housing_n, 0) as in_housing_n
    from residents as r
    left join in_housing as h on r.county_code = h.county_code and r.month_end = h.month_end
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month_end,
        sum({{ older_n }}) as {{ older_n }},
        sum(in_housing_n) as in_housing_n
    from joined
    group by {{ by_county_and_total(['month_end']) }}
),

measured as (
    select
        area_code,
        area_level,
        extract(year from month_end)::integer as year,
        month_end,
        {{ older_n }},
        in_housing_n,
        {{ pct(older_n ~ ' - in_housing_n', older_n) }}
            as living_at_home_pct
    from cells
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year
from measured
