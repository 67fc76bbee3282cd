{#- The residual-risk report (jäännösriskin arvio): one row per published mart, from the marts'
    declarations (graph, at execution time), the suppression pattern, the last attack of `virta
    privacy protect` (table disclosure_attacks, written by that step) and the county's release
    decisions (seed ref_disclosure_release_decisions). -#}
{% macro disclosure_report(pattern, attacks, decisions) -%}
{%- set marts = [] -%}
{%- if execute -%}
    {#- graph has no nodes in a unit test: the rows then come from the seed alone -#}
    {%- for node in graph.get('nodes', {}).values()
        if node.resource_type == 'model' and node.original_file_path.startswith('models/marts/') -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
{%- endif -%}
{%- set defaults = {
    'cells': 'Group disclosure: a published cell whose members all share an outcome (a share of 0 or 100 %, a '
        ~ 'count equal to the cell) tells that outcome of each member. Withheld values cannot be recovered '
        ~ 'exactly, but each is known to lie within bounds (a withheld count is 1 to the threshold minus 1, '
        ~ 'and the equations narrow it). Medians, percentiles and maxima of a published cell are values of '
        ~ 'its members.',
    'inherits': 'Read only from published marts: withheld wherever a source cell is, and adds no value '
        ~ 'the sources do not publish (a forecast is fitted to published months only).',
    'metadata': 'No figures about people.',
} -%}
with declared as (
    {%- for node in marts | sort(attribute='name') %}
    {%- set decl = (node.config.get('meta', {}) or node.get('meta', {})).get('disclosure', {}) %}
    {%- set kind = 'cells' if decl.get('cells') else ('inherits' if decl.get('inherits') else 'metadata') %}
    select
        {{ sql_string(node.name) }} as table_name,
        '{{ kind }}' as control,
        {{ sql_string((decl.get('dimensions') or []) | join(', ')) }} as quasi_identifiers,
        {{ sql_string((decl.get('inherits') or []) | join(', ')) }} as inherits_from,
        {{ sql_string(decl.get('residual_risk') or defaults[kind]) }} as residual_risk
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not marts %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as control,
        cast(null as {{ dbt.type_string() }}) as quasi_identifiers,
        cast(null as {{ dbt.type_string() }}) as inherits_from,
        cast(null as {{ dbt.type_string() }}) as residual_risk
    where false
    {%- endif %}
),

pattern as (
    select
        table_name,
        count(*) as values_n,
        -- by the rules, not by the reason recorded: a primary cell kept from an earlier release is
        -- still primary
        count(*) filter (where primary_reason is not null) as withheld_primary_n,
        count(*) filter (where is_withheld and primary_reason is null) as withheld_secondary_n,
        cast(min(value) filter (where is_population and not is_withheld and value > 0) as {{ dbt.type_bigint() }})
            as smallest_published_count
    from {{ pattern }}
    group by table_name
),

attacks as (
    {%- if attacks is not none %}
    select table_name, recovered_n, patches_added_n, attacked_at from {{ attacks }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as integer) as recovered_n,
        cast(null as integer) as patches_added_n,
        cast(null as {{ dbt.type_timestamp() }}) as attacked_at
    where false
    {%- endif %}
)

select
    r.table_name,
    d.control,
    d.quasi_identifiers,
    d.inherits_from,
    {{ var('small_cell_threshold') }} as threshold,
    {{ var('disclosure_min_contributors') }} as min_contributors,
    p.values_n,
    p.withheld_primary_n,
    p.withheld_secondary_n,
    p.smallest_published_count,
    case
        when d.control is null then 'not declared'
        when d.control != 'cells' then 'not attacked: no cells of its own'
        when a.table_name is null then 'not attacked yet (built without `virta privacy protect`)'
        when a.recovered_n = 0 then 'passed: no withheld value recovered'
        else 'FAILED: ' || a.recovered_n || ' withheld values recovered'
    end as attack_result,
    a.attacked_at,
    d.residual_risk,
    r.release_decision,
    r.decided_by,
    r.decided_on,
    r.conditions
-- the seed lists every published mart (test_disclosure checks it), with the county's decision
from {{ decisions }} as r
left join declared as d on r.table_name = d.table_name
left join pattern as p on r.table_name = p.table_name
left join attacks as a on r.table_name = a.table_name
order by d.control, r.table_name
{%- endmacro %}
