-- The indicator registry (var 'indicators') as a table: one row per headline indicator with its
-- names (Finnish, Swedish, English), unit, range, direction of better, legal basis and target, and
-- the detail mart and formula it is read with, so a BI
-- tool can label and explain the series marts (join on indicator_id).

with registry as (
    {%- for ind in virta.indicators() %}
        select
            '{{ ind.id }}' as indicator_id,
            '{{ ind.use_case }}' as use_case,
            '{{ indicator_series_mart(ind.use_case) }}' as series_mart,
            {{ sql_string(ind.name_fi) }} as name_fi,
            {{ sql_string(ind.name_sv) }} as name_sv,
            {{ sql_string(ind.name_en) }} as name_en,
            '{{ ind.unit }}' as unit,
            cast({{ 'null' if ind.bounds[0] is none else ind.bounds[0] }} as {{ dbt.type_float() }}) as lower_bound,
            cast({{ 'null' if ind.bounds[1] is none else ind.bounds[1] }} as {{ dbt.type_float() }}) as upper_bound,
            '{{ ind.better }}' as better,
            {{ sql_string(ind.legal_basis) }} as legal_basis,
            cast({{ 'null' if ind.get('legal_target') is none else ind.legal_target }} as {{ dbt.type_float() }})
                as legal_target,
            '{{ ind.mart }}' as source_mart,
            {{ sql_string(indicator_formula(ind)) }} as formula
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from registry
