{#- A percentage rounded to one decimal; null when the whole is zero (nothing to share). -#}
{% macro pct(part, whole) -%}
    round(100.0 * ({{ part }}) / nullif({{ whole }}, 0), 1)
{%- endmacro %}
