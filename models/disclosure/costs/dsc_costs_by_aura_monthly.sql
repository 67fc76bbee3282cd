-- Kustannukset AURA-luokittain (costs per AURA-style service class): per county and for all counties
-- together, month, level of the classification (total, activity, package, service group, service), class
-- and production mode (own, purchased, voucher, or all): gross costs, income, net costs as booked
-- and after the allocation of shared costs, euros per resident, year-on-year change and the
-- county's rank (1 = highest net cost per resident: a neutral measure).

{%- set dims = ['month', 'aura_level', 'class_code', 'production_mode'] %}

with modes as (
    -- every row under its production mode, and again under 'all' (allocations only there: shared
    -- costs belong to no single production mode)
    select
        f.*,
        f.production_mode as reported_mode
    from {{ ref('dsc_costs_monthly') }} as f
    where f.cost_kind = 'direct'
    union all
    select
        f.*,
        'all' as reported_mode
    from {{ ref('dsc_costs_monthly') }} as f
),

by_level as (
    -- 'total' (class 'all'): every cost of the area and month, the level above the activities
    {%- set levels = [{'level': 'total', 'class_code': "'all'"}] %}
    {%- for level in aura_levels() %}
        {%- do levels.append({'level': level.level, 'class_code': 'm.' ~ level.code}) %}
    {%- endfor %}
    {%- for level in levels %}
        select
            m.county_code,
            m.month,
            '{{ level.level }}' as aura_level,
            {{ level.class_code }} as class_code,
            -- the class one level up (the classification is a tree: disclosure control's equations)
            {{ 'cast(null as ' ~ dbt.type_string() ~ ')' if loop.first else levels[loop.index0 - 1].class_code }}
                as parent_class_code,
            {{ 'cast(null as ' ~ dbt.type_string() ~ ')' if loop.first else "'" ~ levels[loop.index0 - 1].level ~ "'" }}
                as parent_aura_level,
            coalesce(m.reported_mode, 'unmapped') as production_mode,
            m.cost_kind,
            m.gross_eur,
            m.income_eur,
            m.net_eur
        from modes as m
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        aura_level,
        class_code,
        parent_class_code,
        parent_aura_level,
        production_mode,
        sum(gross_eur) as gross_eur,
        sum(income_eur) as income_eur,
        sum(net_eur) filter (where cost_kind = 'direct') as direct_net_eur,
        coalesce(sum(net_eur) filter (where cost_kind = 'allocation'), 0) as allocated_eur,
        sum(net_eur) as net_eur
    from by_level
    group by {{ by_county_and_total(dims + ['parent_class_code', 'parent_aura_level']) }}
),

residents as (
    {{ residents_by_area_month() }}
),

clients as (
    {{ service_clients_by_area_year() }}
),

class_names as (
    select
        'total' as aura_level,
        'all' as class_code,
        'kaikki palvelut' as name_fi,
        'all services' as name_en
    union all
    {%- for level in aura_levels() %}
        select distinct
            '{{ level.level }}' as aura_level,
            {{ level.code }} as class_code,
            {{ level.code | replace('_code', '_name_fi') }} as name_fi,
            {{ level.code | replace('_code', '_name_en') }} as name_en
        from {{ ref('ref_aura_service_classes') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

measured as (
    select
        c.area_code,
        c.area_level,
        c.month,
        c.aura_level,
        c.class_code,
        c.parent_class_code,
        c.parent_aura_level,
        coalesce(a.name_fi, 'kohdistamaton') as class_name_fi,
        coalesce(a.name_en, 'unmapped') as class_name_en,
        c.production_mode,
        round(c.gross_eur, 2) as gross_eur,
        round(c.income_eur, 2) as income_eur,
        round(c.direct_net_eur, 2) as direct_net_eur,
        round(c.allocated_eur, 2) as allocated_eur,
        round(c.net_eur, 2) as net_eur,
        r.residents_n,
        round(c.net_eur / nullif(r.residents_n, 0), 2) as net_eur_per_resident,
        round(100.0 * (c.net_eur - p.net_eur) / nullif(p.net_eur, 0), 1) as net_eur_yoy_change_pct,
        -- the service's clients in the area that year: the magnitude rule's contributors (not published)
        k.clients_n as service_clients_in_year_n
    from cells as c
    left join residents as r on c.area_code = r.area_code and c.month = r.month
    left join cells as p
        on
            c.area_code = p.area_code
            and c.aura_level = p.aura_level
            and c.class_code = p.class_code
            and c.production_mode = p.production_mode
            and c.month - interval '1 year' = p.month
    left join class_names as a on c.aura_level = a.aura_level and c.class_code = a.class_code
    left join clients as k
        on
            c.aura_level = 'service'
            and c.area_code = k.area_code
            and cast(extract(year from c.month) as integer) = k.year
            and c.class_code = k.service_code
)

select
    *,
    {{ is_final_month('month') }} as is_final
from measured
