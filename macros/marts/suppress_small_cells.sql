{#- Small-cell suppression for marts meant for wide access: a measure is shown only when its cell
    counts at least var('small_cell_threshold') people or events (default 5, common Finnish
    practice; no legal threshold exists). -#}
{% macro suppressed(measure, count_expression) -%}
    case when {{ count_expression }} >= {{ var('small_cell_threshold') }} then {{ measure }} end
{%- endmacro %}

{% macro is_suppressed(count_expression) -%}
    ({{ count_expression }} < {{ var('small_cell_threshold') }})
{%- endmacro %}
