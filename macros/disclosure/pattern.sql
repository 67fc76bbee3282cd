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
        {{ layer.kind == 'count' }} as is_count,
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
        cast(null as {{ dbt.type_string() }}) as population_cell_id, false as is_population, false as is_count,
        cast(null as {{ dbt.type_numeric() }}) as value, cast(null as {{ dbt.type_string() }}) as primary_reason
    where false
{%- endmacro %}

{#- The equations between the cells: per hierarchy, a total and its parts within a table (the
    parts share every other dimension); per link, a period's cell in one table and the cells of
    its months in another. Every layer has the same equations. -#}
{% macro disclosure_equations(relations) -%}
{%- if not execute -%}
    {{ return("select cast(null as " ~ dbt.type_string() ~ ") as equation_id, cast(null as " ~ dbt.type_string()
        ~ ") as cell_id, false as is_total, cast(null as " ~ dbt.type_string() ~ ") as kind where false") }}
{%- endif -%}
{%- set by_mart = {} -%}
{%- for rel in relations -%}{%- do by_mart.update({disclosure_mart_of(rel.identifier): rel}) -%}{%- endfor -%}
{%- set parts = [] -%}
{%- for mart, rel in by_mart.items() -%}
    {%- set decl = disclosure_declaration(mart) -%}
    {%- for layer in disclosure_layers(decl) -%}
        {%- for h in decl.get('hierarchies', []) if h.get('parent') -%}
            {#- a tree: each row a part of its parent's equation and the total of its own -#}
            {%- set cell = disclosure_cell_id(mart, layer.column, disclosure_row_key(decl.dimensions, 'c')) -%}
            {%- set eq = "md5('" ~ mart ~ "|" ~ layer.column ~ "|" ~ h.dimension ~ "|' || " -%}
            {%- do parts.append("select " ~ eq ~ disclosure_row_key(decl.dimensions, 'c', replace={
                    h.dimension: 'c.' ~ h.parent, h.level: 'c.' ~ h.parent_level}) ~ ") as equation_id, " ~ cell
                ~ " as cell_id, false as is_total, 'hierarchy' as kind from " ~ rel ~ " as c where c."
                ~ layer.column ~ " is not null and c." ~ h.parent ~ " is not null") -%}
            {%- do parts.append("select " ~ eq ~ disclosure_row_key(decl.dimensions, 'c')
                ~ ") as equation_id, " ~ cell ~ " as cell_id, true as is_total, 'hierarchy' as kind from " ~ rel
                ~ " as c where c." ~ layer.column ~ " is not null") -%}
        {%- endfor -%}
        {%- for h in decl.get('hierarchies', []) if not h.get('parent') -%}
            {%- set eq_key = disclosure_row_key(decl.dimensions, 'c', star=h.dimension) -%}
            {%- do parts.append(
                "select md5('" ~ mart ~ "|" ~ layer.column ~ "|" ~ h.dimension ~ "|' || " ~ eq_key ~ ") as equation_id, "
                ~ disclosure_cell_id(mart, layer.column, disclosure_row_key(decl.dimensions, 'c')) ~ " as cell_id, "
                ~ "coalesce(cast(c." ~ h.dimension ~ " as " ~ dbt.type_string() ~ ") = '" ~ disclosure_total(h.total)
                ~ "', false) as is_total, 'hierarchy' as kind from " ~ rel ~ " as c where c." ~ layer.column
                ~ " is not null") -%}
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
            ~ " as cell_id, true as is_total, 'link' as kind from " ~ rel ~ " as o where o." ~ link.count
            ~ " is not null") -%}
        {%- do parts.append("select " ~ eq ~ " as equation_id, "
            ~ disclosure_cell_id(link.parts, link.parts_count, disclosure_row_key(parts_decl.dimensions, 'p'))
            ~ " as cell_id, false as is_total, 'link' as kind from " ~ rel ~ " as o join " ~ by_mart[link.parts]
            ~ " as p on "
            ~ link.join_on ~ " where o." ~ link.count ~ " is not null and p." ~ link.parts_count ~ " is not null") -%}
    {%- endfor -%}
{%- endfor -%}
{{ parts | join('\nunion all\n') }}
{%- endmacro %}

{#- Primary suppression, then secondary suppression to a fixed point: while a hierarchy's equation
    has exactly one withheld member it could be recovered (total minus the other parts), so its smallest published
    part is withheld too (the total only when no part is left; a cell an earlier release published
    with its current value only when no other is left); a cell whose population is withheld withholds all its counts
    and amounts. A linked period cell (a half year) is withheld when one of its months is: what it
    publishes is then only ever a sum of published months, never a new equation on withheld ones
    (forcing months from the half year instead leaves odd cycles of equations an intruder can
    solve). var('disclosure_passes') passes at most; the test disclosure_pattern_is_closed fails the
    build if they did not reach the fixed point.

    disclosure_pattern is the whole pattern as one query, the passes unrolled (what unit tests and
    `dbt compile` see); disclosure_pattern_build is how a build runs it: on PostgreSQL the same
    passes one at a time into temporary tables, stopping at the fixed point (the sample closes in
    about 20 passes; the unrolled query computes all of them every time). -#}
{% macro disclosure_pattern(cells, equations, passes, releases=none, patches=none) -%}
with {{ disclosure_pattern_inputs(cells, equations, releases, patches) }},

pass_0 as (
    select cell_id, primary_reason as reason, 0 as pass from cells
)
{%- for k in range(1, passes + 1) %},

pass_{{ k }} as (
{{ disclosure_pattern_pass('pass_' ~ (k - 1), 'cells', 'members', k) | indent(4, first=true) }}
)
{%- endfor %}

{{ disclosure_pattern_result(cells, 'cells', 'pass_' ~ passes) }}
{%- endmacro %}

{#- The inputs of the passes, as CTEs: the cells with what earlier releases and the attack's
    patches say of them, and the members of the equations. -#}
{% macro disclosure_pattern_inputs(cells, equations, releases, patches) -%}
patches as (
    {%- if patches is not none %}
    select cell_id, value from {{ patches }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as cell_id, cast(null as {{ dbt.type_numeric() }}) as value
    where false
    {%- endif %}
),

history as (
    {%- if releases is not none %}
    select cell_id, published_value, withheld_value from {{ releases }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as cell_id,
        cast(null as {{ dbt.type_numeric() }}) as published_value,
        cast(null as {{ dbt.type_numeric() }}) as withheld_value
    where false
    {%- endif %}
),

cells as (
    select
        c.cell_id,
        c.population_cell_id,
        c.value,
        c.is_count,
        -- what an intruder knows a withheld count is at least: a cell's population is a row, so 1
        case when c.is_population then 1 else 0 end as lower_bound,
        -- withheld by an earlier release and unchanged: publishing it now would give it away
        coalesce(
            c.primary_reason,
            case when h.withheld_value = c.value then 'withheld_earlier' end,
            -- withheld by `virta privacy protect` so the exact attack recovers nothing (while unchanged)
            case when pt.value = c.value then 'attack_complement' end
        ) as primary_reason,
        -- published by an earlier release with this value: intruders know it, no use as a complement
        coalesce(h.published_value = c.value, false) as is_known
    from {{ cells }} as c
    left join history as h on c.cell_id = h.cell_id
    left join patches as pt on c.cell_id = pt.cell_id
),

members as (
    select equation_id, cell_id, is_total, kind from {{ equations }}
)
{%- endmacro %}

{#- Pass k: the cells' reasons after pass `prev`, with the cells it withholds. -#}
{% macro disclosure_pattern_pass(prev, cells, members, k) -%}
-- only an equation with a member the previous pass withheld can be open or force a period now:
-- one whose members did not change was looked at then, and what it withheld is in already
with touched as (
    select distinct m.equation_id
    from {{ prev }} as p
    inner join {{ members }} as m on p.cell_id = m.cell_id
    where p.reason is not null and p.pass = {{ k - 1 }}
),

open_equations as (
    select m.equation_id
    from touched as t
    inner join {{ members }} as m on t.equation_id = m.equation_id
    inner join {{ prev }} as p on m.cell_id = p.cell_id
    inner join {{ cells }} as c on m.cell_id = c.cell_id
    where m.kind = 'hierarchy'
    group by m.equation_id
    -- a total with no parts (a tree's leaf) is no equation
    having
        count(*) > 1
        and (
            count(p.reason) = 1
            -- withheld parts of a published total whose sum leaves them less room above what they
            -- are known to be at least than the threshold are bounded (two cells summing to 2 are
            -- both 1, two sub-counts summing to 0 are both 0)
            or (
                count(p.reason) > 1 and bool_and(c.is_count)
                and bool_or(m.is_total and p.reason is null)
                and sum(c.value - c.lower_bound) filter (where p.reason is not null)
                < {{ var('small_cell_threshold') }} - 1
            )
        )
),

-- a period cell (the total of a link) with a withheld month: withheld, so that every period
-- value published is the sum of published months and tells nothing the months do not
linked as (
    select distinct t.cell_id
    from touched as e
    inner join {{ members }} as t on e.equation_id = t.equation_id
    inner join {{ members }} as m on t.equation_id = m.equation_id and not m.is_total
    inner join {{ prev }} as p on m.cell_id = p.cell_id
    where t.kind = 'link' and t.is_total and p.reason is not null
),

ranked as (
    select
        m.cell_id,
        row_number() over (
            partition by m.equation_id
            order by c.value = 0 and not m.is_total, c.is_known, m.is_total, c.value, m.cell_id
        ) as pick
    from open_equations as o
    inner join {{ members }} as m on o.equation_id = m.equation_id
    inner join {{ prev }} as p on m.cell_id = p.cell_id
    inner join {{ cells }} as c on m.cell_id = c.cell_id
    -- never a negative amount, and a part of nothing (0) only when nothing else is left: it
    -- hides no value of its own, but when the one withheld member is a total whose other parts
    -- are all 0, it is what keeps that total from being their sum (a total of nothing may be
    -- withheld: then its parts' sum is unknown). A cell an earlier release published with its
    -- value is no use as a complement and comes last but for those: withheld only when nothing
    -- else is left, so this release is closed (what the earlier one gave away stays in the
    -- residual-risk report's memory of releases)
    where p.reason is null and (c.value >= 0 or m.is_total)
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
            when linked.cell_id is not null then 'month_withheld'
            when picked.cell_id is not null then 'secondary'
        end
    ) as reason,
    case
        when
            p.reason is null
            and (pop.reason is not null or linked.cell_id is not null or picked.cell_id is not null)
            then {{ k }}
        else p.pass
    end as pass
from {{ prev }} as p
inner join {{ cells }} as c on p.cell_id = c.cell_id
left join {{ prev }} as pop on c.population_cell_id = pop.cell_id and c.cell_id != pop.cell_id
left join linked on p.cell_id = linked.cell_id
left join picked on p.cell_id = picked.cell_id
{%- endmacro %}

{% macro disclosure_pattern_result(cells_model, cells, last_pass) -%}
select
    c.*,
    k.is_known as was_published_before,
    p.reason as withheld_reason,
    p.reason is not null as is_withheld,
    p.pass as withheld_in_pass
from {{ cells_model }} as c
inner join {{ cells }} as k on c.cell_id = k.cell_id
inner join {{ last_pass }} as p on c.cell_id = p.cell_id
{%- endmacro %}

{#- How the model builds: the unrolled query, except when a build runs the model on an engine with
    a driver below (unit tests and `dbt compile` always see the unrolled query). -#}
{% macro disclosure_pattern_build(cells, equations, passes, releases=none, patches=none) -%}
{%- if execute and model.resource_type == 'model' and flags.WHICH in ['run', 'build'] -%}
    {{- return(adapter.dispatch('disclosure_pattern_build', 'virta')(cells, equations, passes, releases, patches)) -}}
{%- endif -%}
{{ return(disclosure_pattern(cells, equations, passes, releases, patches)) }}
{%- endmacro %}

{% macro default__disclosure_pattern_build(cells, equations, passes, releases, patches) -%}
{{ return(disclosure_pattern(cells, equations, passes, releases, patches)) }}
{%- endmacro %}

{#- PostgreSQL: the passes one statement each, in temporary tables of this session (the one that
    then runs the model's query), until a pass withholds nothing more. -#}
{% macro postgres__disclosure_pattern_build(cells, equations, passes, releases, patches) -%}
{{ return(disclosure_pattern_iterate(cells, equations, passes, releases, patches, this.identifier ~ '__')) }}
{%- endmacro %}

{#- Runs the passes into temporary tables named <prefix>cells, <prefix>members, <prefix>pass_<k>;
    returns the query of the result over them. -#}
{% macro disclosure_pattern_iterate(cells, equations, passes, releases, patches, prefix) -%}
{%- set t = prefix -%}
{%- set inputs = disclosure_pattern_inputs(cells, equations, releases, patches) -%}
{%- do run_query("drop table if exists " ~ t ~ "cells, " ~ t ~ "members, " ~ t ~ "pass_0;
create temporary table " ~ t ~ "cells as with " ~ inputs ~ " select * from cells;
create temporary table " ~ t ~ "members as with " ~ inputs ~ " select * from members;
create index on " ~ t ~ "cells (cell_id);
create index on " ~ t ~ "members (cell_id);
create index on " ~ t ~ "members (equation_id);
analyze " ~ t ~ "cells;
analyze " ~ t ~ "members;
create temporary table " ~ t ~ "pass_0 as select cell_id, primary_reason as reason, 0 as pass from " ~ t ~ "cells;") -%}
{%- set state = namespace(last=0, closed=false) -%}
{%- for k in range(1, passes + 1) if not state.closed -%}
    {%- set prev, this_pass = t ~ 'pass_' ~ (k - 1), t ~ 'pass_' ~ k -%}
    {%- do run_query("drop table if exists " ~ this_pass ~ ";
create temporary table " ~ this_pass ~ " as " ~ disclosure_pattern_pass(prev, t ~ 'cells', t ~ 'members', k) ~ ";
create index on " ~ this_pass ~ " (cell_id);
analyze " ~ this_pass ~ ";
drop table " ~ prev ~ ";") -%}
    {%- set state.last = k -%}
    {%- set added = run_query("select count(*) from " ~ this_pass ~ " where pass = " ~ k).columns[0].values()[0] -%}
    {%- set state.closed = added == 0 -%}
{%- endfor -%}
{%- do log("disclosure_pattern: closed, pass " ~ state.last ~ " withheld nothing more" if state.closed
    else "disclosure_pattern: not closed after " ~ passes ~ " passes", info=true) -%}
{{ return(disclosure_pattern_result(cells, t ~ 'cells', t ~ 'pass_' ~ state.last)) }}
{%- endmacro %}

{#- `virta dbt run-operation disclosure_pattern_compare`: the pattern as a build computes it (above)
    and as the unrolled query does, on the warehouse's current inputs, compared row by row (only
    temporary tables are written). Fails when they differ. -#}
{% macro disclosure_pattern_compare() -%}
{%- set found = {} -%}
{%- for node in graph.nodes.values() if node.resource_type == 'model'
        and node.name in ['disclosure_cells', 'disclosure_equations'] -%}
    {%- do found.update({node.name: adapter.get_relation(node.database, node.schema, node.alias)}) -%}
{%- endfor -%}
{%- set cells, equations = found['disclosure_cells'], found['disclosure_equations'] -%}
{%- if cells is none or equations is none -%}
    {{ exceptions.raise_compiler_error(
        "disclosure_pattern_compare: build disclosure_cells and disclosure_equations first") }}
{%- endif -%}
{%- set releases, patches = none, none -%}
{%- if var('disclosure_remember_releases') -%}
    {%- set releases = adapter.get_relation(cells.database, cells.schema, 'disclosure_releases') -%}
    {%- set patches = adapter.get_relation(cells.database, cells.schema, 'disclosure_patches') -%}
{%- endif -%}
{%- set passes = var('disclosure_passes') -%}
{%- set iterated = disclosure_pattern_iterate(cells, equations, passes, releases, patches, 'disclosure_compare__') -%}
{%- set unrolled = disclosure_pattern(cells, equations, passes, releases, patches) -%}
{%- set counts = run_query("with a as (" ~ iterated ~ "), b as (" ~ unrolled ~ ")
select (select count(*) from a), (select count(*) from (select * from a except all select * from b) as d),
    (select count(*) from (select * from b except all select * from a) as d)").rows[0] -%}
{%- do log("disclosure_pattern_compare: " ~ counts[0] ~ " cells; " ~ counts[1] ~ " rows only in the build's, "
    ~ counts[2] ~ " only in the unrolled query's", info=true) -%}
{%- if counts[1] != 0 or counts[2] != 0 or counts[0] == 0 -%}
    {{ exceptions.raise_compiler_error("disclosure_pattern_compare: the two ways differ") }}
{%- endif -%}
{%- endmacro %}
