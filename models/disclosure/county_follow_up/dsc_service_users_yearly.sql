-- Palvelujen käyttäjät (service users) per 1 000 residents, per county and for all counties together, year
-- and service package (Sote-tietopaketti of the AURA-style classification: primary care, oral care,
-- specialised care, older people's services, family services): unique people with activity in the
-- patient and client systems, a measure of the need for services.

{%- set per = var('service_users_rate_base') %}

with cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        package_code,
        count(distinct person_hk) as users_n
    from {{ ref('bv_service_users_yearly') }}
    group by {{ by_county_and_total(['year', 'package_code']) }}
),

residents as (
    {{ residents_by_area_year() }}
),

packages as (
    {{ service_packages() }}
),

measured as (
    select
        c.area_code,
        c.area_level,
        c.year,
        c.package_code,
        p.package_name_fi,
        p.package_name_en,
        c.users_n,
        round(r.residents_n) as residents_n,
        {{ 'round(' ~ per ~ '.0 * c.users_n / nullif(r.residents_n, 0), 1)' }}
            as users_per_{{ per }}
    from cells as c
    left join residents as r on c.area_code = r.area_code and c.year = r.year
    left join packages as p on c.package_code = p.package_code
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year
from measured
