-- Palvelujen käyttäjät ja kustannukset asiakassegmenteittäin (service users and costs by customer
-- segment): per county and for all counties together, year, segment (ref_customer_segments) and
-- service intensity (and all intensities), the people who used a service, their net cost after the
-- allocation of shared costs, euros per client, and for the age segments users per 1 000 residents
-- of the band. The segment x intensity matrix of the seed; the life-course segments partition the
-- 'all' segment, the service-need segments overlap.

{%- set per = var('service_users_rate_base') %}

with users as (
    select
        u.county_code,
        u.year,
        u.segment_code,
        u.intensity_tier,
        u.person_hk,
        u.net_eur
    from {{ ref('bv_person_segment_yearly') }} as u
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        segment_code,
        {{ or_all('intensity_tier') }} as intensity_tier,
        -- a person who used services in two counties is one client of the total
        count(distinct person_hk) as clients_n,
        sum(net_eur) as net_eur
    from users
    group by {{ by_area_with_totals(['year', 'segment_code'], ['intensity_tier']) }}
),

year_ends as (
    {{ year_end_month_ends() }}
),

-- residents of each age segment's band (and every resident for 'all') at the year's last reporting
-- month end: the bands come from ref_customer_segments, as the segment rules read them
residents_segment as (
    select
        p.county_code,
        extract(year from p.month_end)::integer as year,
        s.segment_code,
        p.residents_n
    from {{ ref('bv_population_by_age_monthly') }} as p
    inner join year_ends as y on p.month_end = y.month_end
    inner join {{ ref('ref_customer_segments') }} as s
        on
            s.segment_code = 'all'
            or (
                s.segment_kind = 'life_course' and (s.age_min is not null or s.age_max is not null)
                and (s.age_min is null or p.age >= s.age_min)
                and (s.age_max is null or p.age < s.age_max)
            )
),

residents as (
    select
        {{ area_code() }} as area_code,
        year,
        segment_code,
        sum(residents_n) as residents_n
    from residents_segment
    group by {{ by_county_and_total(['year', 'segment_code']) }}
),

months as (
    {{ reporting_months_by_year() }}
)

select
    c.area_code,
    c.area_level,
    c.year,
    m.months_n,
    {{ is_full_year('c.year') }} as is_full_year,
    s.segment_kind,
    c.segment_code,
    s.name_fi as segment_name_fi,
    s.name_en as segment_name_en,
    s.parent_segment_code,
    p.segment_kind as parent_segment_kind,
    c.intensity_tier,
    c.clients_n,
    -- only where the segment is an age band of the residents (the service-need segments have no
    -- population register denominator)
    r.residents_n,
    round({{ per }}.0 * c.clients_n / nullif(r.residents_n, 0), 1) as clients_per_{{ per }},
    round(c.net_eur, 2) as net_eur,
    round(c.net_eur / nullif(c.clients_n, 0), 2) as eur_per_client
from cells as c
inner join {{ ref('ref_customer_segments') }} as s on c.segment_code = s.segment_code
left join {{ ref('ref_customer_segments') }} as p on s.parent_segment_code = p.segment_code
left join residents as r on c.area_code = r.area_code and c.year = r.year and c.segment_code = r.segment_code
left join months as m on c.year = m.year
