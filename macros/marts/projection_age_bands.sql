{#- The age bands of the population projection and the service-need scenario, from the var
    projection_age_bands (the lower ages of the bands, the last open-ended): a list of
    {'min', 'max', 'label'}, e.g. 0-6, 7-17, 18-64, 65-74, 75-84, 85+. -#}
{% macro projection_age_bands() -%}
    {%- set lows = var('projection_age_bands') -%}
    {%- if lows | length < 2 or lows[0] != 0 or lows != (lows | sort) -%}
        {{ exceptions.raise_compiler_error("var projection_age_bands must start at 0 and increase, got " ~ lows) }}
    {%- endif -%}
    {%- set bands = [] -%}
    {%- for low in lows -%}
        {%- if loop.last -%}
            {%- do bands.append({'min': low, 'max': none, 'label': low ~ '+'}) -%}
        {%- else -%}
            {%- do bands.append({'min': low, 'max': lows[loop.index], 'label': low ~ '-' ~ (lows[loop.index] - 1)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(bands) }}
{%- endmacro %}

{#- The label of the projection age band `age` (an SQL expression) falls in. -#}
{% macro projection_age_band(age) -%}
    case
        {%- for band in projection_age_bands() | reverse %}
        when {{ age }} >= {{ band.min }} then '{{ band.label }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- The lower age of the band `label` (an SQL expression), to sort bands by age. -#}
{% macro projection_age_band_min(label) -%}
    case {{ label }}
        {%- for band in projection_age_bands() %}
        when '{{ band.label }}' then {{ band.min }}
        {%- endfor %}
    end
{%- endmacro %}
