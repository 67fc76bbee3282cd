-- Kustannukset kunnittain (costs per municipality): the county's costs as booked on cost centres
-- that serve one municipality, per year and AURA-style class at each level, with euros per resident
-- of the municipality (area_code: the county). Shared costs allocated at county level have no
-- municipality and are left out.

with costs as (
    select
        f.*,
        cast(extract(year from f.month) as integer) as year
    from {{ ref('dsc_costs_monthly') }} as f
    where f.cost_kind = 'direct' and f.municipality_code is not null
),

by_level as (
    {%- set levels = aura_levels() %}
    {%- for level in levels %}
        {%- set parent = 'cast(null as ' ~ dbt.type_string() ~ ')' if loop.first
            else 'c.' ~ levels[loop.index0 - 1].code %}
        select
            c.county_code,
            c.municipality_code,
            c.year,
            '{{ level.level }}' as aura_level,
            c.{{ level.code }} as class_code,
            -- the class one level up (the classification is a tree: disclosure control's equations)
            {{ parent }} as parent_class_code,
            {{ 'cast(null as ' ~ dbt.type_string() ~ ')' if loop.first else "'" ~ levels[loop.index0 - 1].level ~ "'" }}
                as parent_aura_level,
            sum(c.net_eur) as net_eur,
            count(distinct c.month) as months_n
        from costs as c
        group by c.county_code, c.municipality_code, c.year, c.{{ level.code }}, {{ parent }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

clients as (
    {{ service_clients_by_area_year() }}
),

residents as (
    select
        p.county_code,
        p.municipality_code,
        cast(extract(year from p.month) as integer) as year,
        sum(p.residents_n) / {{ virta.to_decimal('count(distinct p.month)') }} as residents_n
    from {{ ref('bv_population_monthly') }} as p
    group by p.county_code, p.municipality_code, extract(year from p.month)
)

select
    b.county_code as area_code,
    'county' as area_level,
    b.municipality_code,
    m.area_name_fi as municipality_name_fi,
    m.area_name_sv as municipality_name_sv,
    b.year,
    b.months_n,
    {{ is_full_year('b.year') }} as is_full_year,
    b.aura_level,
    b.class_code,
    b.parent_class_code,
    b.parent_aura_level,
    round(b.net_eur, 2) as net_eur,
    round(r.residents_n) as residents_n,
    round(b.net_eur / nullif(r.residents_n, 0), 2) as net_eur_per_resident,
    -- the service's clients in the county that year: the magnitude rule's contributors (not published;
    -- the systems do not say which municipality a client's service was for)
    k.clients_n as service_clients_in_year_n
from by_level as b
left join residents as r
    on b.county_code = r.county_code and b.municipality_code = r.municipality_code and b.year = r.year
left join clients as k
    on b.aura_level = 'service' and b.county_code = k.area_code and b.year = k.year and b.class_code = k.service_code
{{ area_join('b.municipality_code', alias='m') }}
