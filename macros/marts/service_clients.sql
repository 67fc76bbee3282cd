{#- Unique clients of each AURA service per area (each county and all of them together) and year,
    from the patient and client systems: the people a service's yearly cost is spent on, which the magnitude
    rule of disclosure control counts (an amount fewer than disclosure_min_contributors people make
    up is withheld). -#}
{% macro service_clients_by_area_year() -%}
    select
        {{ area_code() }} as area_code,
        year,
        service_code,
        count(distinct person_hk) as clients_n
    from (
        select
            a.county_code,
            cast(extract(year from a.month) as integer) as year,
            a.service_code,
            a.person_hk
        from {{ ref('bv_service_activity') }} as a
    ) as activity
    group by {{ by_county_and_total(['year', 'service_code']) }}
{%- endmacro %}
