{#- Disclosure control (tilastollinen tietosuoja, statistical disclosure control): one step for every
    published mart, declared in the mart's YAML `meta.disclosure` and applied by this shared code.

    A declaration (see docs/disclosure.md):
      cells: dsc_x             the model with the table's cells before disclosure control (private)
      dimensions: [...]        the cell's key (its quasi-identifiers)
      counts:                  the counts published; the first is the cell's population
        - column: visits_n
          derived: [...]       columns computed from that count, withheld with it
      magnitudes:              amounts (euros) withheld with the count `contributors` under
        - column: net_eur      var('disclosure_min_contributors')
          contributors: clients_n
          derived: [...]
      hierarchies:             dimensions whose total is a row of the same table
        - {dimension: area_code, total: $total}
        - {dimension: class_code, parent: parent_class_code, level: aura_level,
           parent_level: parent_aura_level}   (a tree: a class is the sum of its subclasses)
      links:                   another published table whose cells add up to ours over a period
        - {parts: mart_y, count: started_n, parts_count: starts_n,
           join_on: "p.area_code = o.area_code and p.month between o.period_start and o.period_end"}
      ranks: [{column: x_rank, measure: x, direction: lower_is_better}]
    A mart read only from published marts says `inherits: [mart_a, ...]`; a table of no people
    says `kind: metadata` or `kind: public_statistics` with a `why`. -#}

{#- A published mart's declaration, by the mart's name (graph at execution time). -#}
{% macro disclosure_declaration(mart_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == mart_name -%}
        {%- set meta = node.config.get('meta', {}) or node.get('meta', {}) -%}
        {%- if not meta.get('disclosure') -%}
            {{ exceptions.raise_compiler_error(mart_name ~ " has no meta.disclosure declaration") }}
        {%- endif -%}
        {{ return(meta.disclosure) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("disclosure: no model named " ~ mart_name) }}
{%- endmacro %}

{#- The published mart whose declaration names `cells_name` as its cells. -#}
{% macro disclosure_mart_of(cells_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- set meta = node.config.get('meta', {}) or node.get('meta', {}) -%}
        {%- if meta.get('disclosure', {}).get('cells') == cells_name -%}{{ return(node.name) }}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("disclosure: no published mart declares cells: " ~ cells_name) }}
{%- endmacro %}

{#- A hierarchy's total as it appears in the data ($total: var total_area_code). -#}
{% macro disclosure_total(value) -%}
    {{ return(var('total_area_code') if value == '$total' else value) }}
{%- endmacro %}

{#- The layers of a declaration: each count and magnitude column with what is withheld with it. -#}
{% macro disclosure_layers(decl) -%}
    {%- set layers = [] -%}
    {%- for c in decl.get('counts', []) -%}
        {%- do layers.append({'column': c.column, 'derived': c.get('derived', []), 'population': loop.first,
                              'contributors': none, 'kind': 'count'}) -%}
    {%- endfor -%}
    {%- for m in decl.get('magnitudes', []) -%}
        {%- do layers.append({'column': m.column, 'derived': m.get('derived', []), 'population': false,
                              'contributors': m.get('contributors'), 'kind': 'magnitude'}) -%}
    {%- endfor -%}
    {{ return(layers) }}
{%- endmacro %}

{#- A cell's key as text: its dimensions joined with '|', `star` replaced by '*' (an equation's key). -#}
{#- `replace` maps a dimension to another SQL expression (a tree's equation: the parent's code). -#}
{% macro disclosure_row_key(dimensions, alias, star=none, replace={}) -%}
    concat_ws('|'
    {%- for d in dimensions -%}
        , {% if d == star %}'*'{% elif d in replace %}coalesce(cast({{ replace[d] }} as {{ dbt.type_string() }}), '~')
        {%- else %}coalesce(cast({{ alias }}.{{ d }} as {{ dbt.type_string() }}), '~'){% endif %}
    {%- endfor -%})
{%- endmacro %}

{% macro disclosure_cell_id(table, layer, key_sql) -%}
    md5('{{ table }}|{{ layer }}|' || {{ key_sql }})
{%- endmacro %}
