-- Yksikkökustannukset (unit costs): per county and for all counties together, year and AURA-style service,
-- net costs after the allocation of shared costs divided by the service's residents, unique clients
-- (from the patient and client systems), visits, treatments or care days where the service has them;
-- year-on-year change and the county's rank (1 = highest cost per client). Years in part are marked.

{%- set dims = ['year', 'service_code'] %}

with costs as (
    select
        f.county_code,
        cast(extract(year from f.month) as integer) as year,
        f.service_code,
        sum(f.net_eur) as net_eur,
        count(distinct f.month) as months_n
    from {{ ref('dsc_costs_monthly') }} as f
    where f.service_code <> 'unmapped'
    group by f.county_code, extract(year from f.month), f.service_code
),

activity as (
    select
        a.county_code,
        cast(extract(year from a.month) as integer) as year,
        a.service_code,
        a.person_hk,
        a.activity_unit,
        a.quantity
    from {{ ref('bv_service_activity') }} as a
),

activity_cells as (
    select
        {{ area_code() }} as area_code,
        year,
        service_code,
        count(distinct person_hk) as clients_n,
        sum(quantity) filter (where activity_unit = 'visit') as visits_n,
        sum(quantity) filter (where activity_unit = 'treatment') as treatments_n,
        sum(quantity) filter (where activity_unit = 'care_day') as care_days_n
    from activity
    group by {{ by_county_and_total(dims) }}
),

cost_cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        service_code,
        sum(net_eur) as net_eur,
        max(months_n) as months_n
    from costs
    group by {{ by_county_and_total(dims) }}
),

-- a package of one service: its clients are the package's users (mart_service_users_yearly), an
-- identity the disclosure control is told of (links in the marts' meta)
single_service_packages as (
    select package_code
    from {{ ref('ref_aura_service_classes') }}
    group by package_code
    having count(*) = 1
),

residents as (
    {{ residents_by_area_year() }}
),

measured as (
    select
        c.area_code,
        c.area_level,
        c.year,
        c.months_n,
        c.months_n = 12 as is_full_year,
        c.service_code,
        s.service_name_fi,
        s.service_name_en,
        s.package_code,
        sp.package_code is not null as is_only_service_of_package,
        round(c.net_eur, 2) as net_eur,
        round(r.residents_n) as residents_n,
        round(c.net_eur / nullif(r.residents_n, 0), 2) as net_eur_per_resident,
        a.clients_n,
        {{ 'round(c.net_eur / nullif(a.clients_n, 0), 2)' }} as eur_per_client,
        a.visits_n,
        round(c.net_eur / nullif(a.visits_n, 0), 2) as eur_per_visit,
        a.treatments_n,
        round(c.net_eur / nullif(a.treatments_n, 0), 2) as eur_per_treatment,
        a.care_days_n,
        round(c.net_eur / nullif(a.care_days_n, 0), 2) as eur_per_care_day
    from cost_cells as c
    left join activity_cells as a on c.area_code = a.area_code and c.year = a.year and c.service_code = a.service_code
    left join residents as r on c.area_code = r.area_code and c.year = r.year
    left join {{ ref('ref_aura_service_classes') }} as s on c.service_code = s.service_code
    left join single_service_packages as sp on s.package_code = sp.package_code
),

with_change as (
    select
        m.*,
        -- per resident, so a year covered in part compares with the year before only when both are full
        case when m.is_full_year and p.is_full_year then
                round(100.0 * (m.net_eur_per_resident - p.net_eur_per_resident) / nullif(p.net_eur_per_resident, 0), 1)
        end as net_eur_per_resident_yoy_change_pct
    from measured as m
    left join measured as p
        on m.area_code = p.area_code and m.service_code = p.service_code and m.year - 1 = p.year
)

select * from with_change
