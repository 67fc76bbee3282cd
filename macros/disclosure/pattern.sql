{#- The suppression pattern of every published table at once: cells (one row per cell and count or
    amount, long format), the linear relations between them (equations: a total and its parts), and
    the withheld cells found by primary and secondary (complementary) suppression. -#}

{#- Every cell of the `relations` (the cells models of the published marts), one row per layer. -#}
{% macro disclosure_cells(relations) -%}
{%- if not execute -%}{{ return(disclosure_empty_cells()) }}{%- endif -%}
{%- for rel in relations -%}
    {%- set mart = disclosure_mart_of(rel.identifier) -%}
    {%- set decl = disclosure_declaration(mart) -%}
    {%- set layers = disclosure_layers(decl) -%}
    {%- set key = disclosure_row_key(decl.dimensions, 'c') -%}
    {%- set population = layers[0].column -%}
    {%- for layer in layers %}
    select
        '{{ mart }}' as table_name,
        '{{ layer.column }}' as layer,
        {{ key }} as row_key,
        {{ disclosure_cell_id(mart, layer.column, key) }} as cell_id,
        {{ disclosure_cell_id(mart, population, key) }} as population_cell_id,
        {{ layer.population }} as is_population,
        cast(c.{{ layer.column }} as {{ dbt.type_numeric() }}) as value,
        {%- if layer.kind == 'magnitude' and layer.contributors %}
        -- the magnitude rule: an amount too few people make up describes them
        case when c.{{ layer.contributors }} > 0
            and c.{{ layer.contributors }} < {{ var('disclosure_min_contributors') }} then 'magnitude' end
        {%- elif layer.kind == 'magnitude' %}
        -- an amount with no count of the people behind it: no primary rule (secondary only)
        cast(null as {{ dbt.type_string() }})
        {%- else %}
        case when c.{{ layer.column }} > 0 and c.{{ layer.column }} < {{ var('small_cell_threshold') }}
            then 'below_threshold' end
        {%- endif %} as primary_reason
    from {{ rel }} as c
    where c.{{ layer.column }} is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {{ 'union all' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{% macro disclosure_empty_cells() -%}
    select
        cast(null as {{ dbt.type_string() }}) as table_name, cast(null as {{ dbt.type_string() }}) as layer,
        cast(null as {{ dbt.type_string() }}) as row_key, cast(null as {{ dbt.type_string() }}) as cell_id,
        cast(null as {{ dbt.type_string() }}) as population_cell_id, false as is_population,
        cast(null as {{ dbt.type_numeric() }}) as value, cast(null as {{ dbt.type_string() }}) as primary_reason
    where false
{%- endmacro %}

{#- The equations between the cells: per hierarchy, a total and its parts within a table (the
    parts share every other dimension); per link, a period's cell in one table and the cells of
    its months in another. Every layer has the same equations. -#}
{% macro disclosure_equations(relations) -%}
{%- if not execute -%}
    {{ return("select cast(null as " ~ dbt.type_string() ~ ") as equation_id, cast(null as " ~ dbt.type_string()
        ~ ") as cell_id, false as is_total where false") }}
{%- endif -%}
{%- set by_mart = {} -%}
{%- for rel in relations -%}{%- do by_mart.update({disclosure_mart_of(rel.identifier): rel}) -%}{%- endfor -%}
{%- set parts = [] -%}
{%- for mart, rel in by_mart.items() -%}
    {%- set decl = disclosure_declaration(mart) -%}
    {%- for layer in disclosure_layers(decl) -%}
        {%- for h in decl.get('hierarchies', []) -%}
            {%- set eq_key = disclosure_row_key(decl.dimensions, 'c', star=h.dimension) -%}
            {%- do parts.append(
                "select md5('" ~ mart ~ "|" ~ layer.column ~ "|" ~ h.dimension ~ "|' || " ~ eq_key ~ ") as equation_id, "
                ~ disclosure_cell_id(mart, layer.column, disclosure_row_key(decl.dimensions, 'c')) ~ " as cell_id, "
                ~ "coalesce(cast(c." ~ h.dimension ~ " as " ~ dbt.type_string() ~ ") = '" ~ disclosure_total(h.total)
                ~ "', false) as is_total from " ~ rel ~ " as c where c." ~ layer.column ~ " is not null") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for link in decl.get('links', []) -%}
        {%- set parts_decl = disclosure_declaration(link.parts) -%}
        {%- if link.parts not in by_mart -%}
            {{ exceptions.raise_compiler_error("disclosure: " ~ mart ~ " links to " ~ link.parts
                ~ ", whose cells are not among disclosure_cells' inputs") }}
        {%- endif -%}
        {%- set our_key = disclosure_row_key(decl.dimensions, 'o') -%}
        {%- set eq = "md5('link|" ~ mart ~ "|" ~ link.count ~ "|' || " ~ our_key ~ ")" -%}
        {%- do parts.append("select " ~ eq ~ " as equation_id, " ~ disclosure_cell_id(mart, link.count, our_key)
            ~ " as cell_id, true as is_total from " ~ rel ~ " as o where o." ~ link.count ~ " is not null") -%}
        {%- do parts.append("select " ~ eq ~ " as equation_id, "
            ~ disclosure_cell_id(link.parts, link.parts_count, disclosure_row_key(parts_decl.dimensions, 'p'))
            ~ " as cell_id, false as is_total from " ~ rel ~ " as o join " ~ by_mart[link.parts] ~ " as p on "
            ~ link.join_on ~ " where o." ~ link.count ~ " is not null and p." ~ link.parts_count ~ " is not null") -%}
    {%- endfor -%}
{%- endfor -%}
{{ parts | join('\nunion all\n') }}
{%- endmacro %}

{#- Primary suppression, then secondary suppression to a fixed point: while an equation has exactly
    one withheld member it could be recovered (total minus the other parts), so its smallest published
    part is withheld too (the total only when no part is left); a cell whose population is withheld
    withholds all its counts and amounts. var('disclosure_passes') passes are unrolled; the test
    disclosure_pattern_is_closed fails the build if they did not reach the fixed point. -#}
{% macro disclosure_pattern(cells, equations, passes) -%}
with cells as (
    select cell_id, population_cell_id, value, primary_reason from {{ cells }}
),

members as (
    select equation_id, cell_id, is_total from {{ equations }}
),

pass_0 as (
    select cell_id, primary_reason as reason, 0 as pass from cells
)
{%- for k in range(1, passes + 1) %},

pass_{{ k }} as (
    with open_equations as (
        select m.equation_id
        from members as m
        inner join pass_{{ k - 1 }} as p on m.cell_id = p.cell_id
        group by m.equation_id
        having count(p.reason) = 1
    ),

    ranked as (
        select
            m.cell_id,
            row_number() over (partition by m.equation_id order by m.is_total, c.value, m.cell_id) as pick
        from open_equations as o
        inner join members as m on o.equation_id = m.equation_id
        inner join pass_{{ k - 1 }} as p on m.cell_id = p.cell_id
        inner join cells as c on m.cell_id = c.cell_id
        where p.reason is null
    ),

    picked as (
        select distinct cell_id from ranked where pick = 1
    )

    select
        p.cell_id,
        coalesce(
            p.reason,
            case
                when pop.reason is not null then 'population_withheld'
                when picked.cell_id is not null then 'secondary'
            end
        ) as reason,
        case
            when p.reason is null and (pop.reason is not null or picked.cell_id is not null) then {{ k }}
            else p.pass
        end as pass
    from pass_{{ k - 1 }} as p
    inner join cells as c on p.cell_id = c.cell_id
    left join pass_{{ k - 1 }} as pop on c.population_cell_id = pop.cell_id and c.cell_id != pop.cell_id
    left join picked on p.cell_id = picked.cell_id
)
{%- endfor %}

select
    c.*,
    p.reason as withheld_reason,
    p.reason is not null as is_withheld,
    p.pass as withheld_in_pass
from {{ cells }} as c
inner join pass_{{ passes }} as p on c.cell_id = p.cell_id
{%- endmacro %}
