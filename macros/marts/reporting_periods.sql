{#- Reporting periods longer than a month. Counties publish social-care waiting times per half year
    (vanhuspalvelulaki § 26: 1.1-30.6 and 1.7-31.12) and THL collects the child-welfare deadlines
    per period 1.4-30.9 and 1.10-31.3. -#}

{#- First day of the period `kind` ('half_year' or 'child_welfare_period') a date falls in. -#}
{% macro period_start(date_expr, kind) -%}
    {%- if kind == 'half_year' -%}
    (date_trunc('year', {{ date_expr }})
        + case when extract(month from {{ date_expr }}) >= 7 then interval '6 months' else interval '0 months' end)::date
    {%- elif kind == 'child_welfare_period' -%}
    {#- periods start on 1 April and 1 October: shift back 3 months, take the half year, shift forward -#}
    (date_trunc('year', ({{ date_expr }})::date - interval '3 months')
        + case when extract(month from ({{ date_expr }})::date - interval '3 months') >= 7
            then interval '6 months' else interval '0 months' end
        + interval '3 months')::date
    {%- else -%}
    {{ exceptions.raise_compiler_error("unknown period kind: " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#- The periods of `kind` the data covers completely (all six months in bv_reporting_month), with
    their first and last day. -#}
{% macro complete_periods(kind) -%}
    select
        {{ period_start('rm.month', kind) }} as period_start,
        ({{ period_start('rm.month', kind) }} + interval '6 months' - interval '1 day')::date as period_end
    from {{ ref('bv_reporting_month') }} as rm
    group by {{ period_start('rm.month', kind) }}
    having count(*) = 6
{%- endmacro %}
