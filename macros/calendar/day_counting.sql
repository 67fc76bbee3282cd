{#- Day counting per laki säädettyjen määräaikain laskemisesta 150/1930, on bv_calendar:
    - the start day is not counted (§ 2);
    - months end on the same-numbered day, or the month's last day if it has none (§ 3):
      PostgreSQL's date + interval 'n months' does exactly that (2024-11-30 + 3 months = 2025-02-28);
    - a deadline falling on a holiday or Saturday moves to the next arkipäivä (§ 5) only when the
      switch is on (var deadline_roll_to_working_day; off for THL-comparable figures). -#}

{#- The n-th arkipäivä after a date, as two joins on bv_calendar (one pass, no subquery per row):
    `alias`.calendar_date is the result. n = 0 means the same arkipäivä, or the next one if the date
    is not an arkipäivä. A day that is not an arkipäivä carries the number of the one before it, so
    "number + n" counts from the next arkipäivä on. `when` limits the rows that need it. -#}
{% macro working_day_after_join(alias, date_expr, n, when='true') -%}
    left join {{ ref('bv_calendar') }} as {{ alias }}_from
        on {{ alias }}_from.calendar_date = ({{ date_expr }})::date and ({{ when }})
    left join {{ ref('bv_calendar') }} as {{ alias }}
        on
            {{ alias }}.is_arkipaiva
            and {{ alias }}.working_day_seq = {{ alias }}_from.working_day_seq + ({{ n }})
            + case when ({{ n }}) = 0 and not {{ alias }}_from.is_arkipaiva then 1 else 0 end
{%- endmacro %}

{% macro add_months_fi(date_expr, n) -%}
    (({{ date_expr }})::date + make_interval(months => ({{ n }})::integer))::date
{%- endmacro %}

{#- The last day a deadline is met on: start date + amount in unit (arkipaiva, day, week, month).
    Three parts, because working days come from joins: `deadline_calendar_due` (the calendar units;
    null for arkipaiva) goes into a CTE as column `calendar_due`; `deadline_due_joins` joins that
    CTE (alias `rel`) to the calendar; `deadline_due_date` is then the due date. -#}
{% macro deadline_calendar_due(start_expr, amount_expr, unit_expr) -%}
    case {{ unit_expr }}
        when 'day' then ({{ start_expr }})::date + ({{ amount_expr }})::integer
        when 'week' then ({{ start_expr }})::date + 7 * ({{ amount_expr }})::integer
        when 'month' then {{ virta.add_months_fi(start_expr, amount_expr) }}
    end
{%- endmacro %}

{% macro deadline_due_joins(rel, start_expr, amount_expr, unit_expr, roll=none) -%}
    {%- set roll = var('deadline_roll_to_working_day') if roll is none else roll -%}
    {{ virta.working_day_after_join('due_wd', start_expr, amount_expr, unit_expr ~ " = 'arkipaiva'") }}
    {%- if roll %}
    {{ virta.working_day_after_join('due_roll', rel ~ '.calendar_due', 0, rel ~ '.calendar_due is not null') }}
    {%- endif %}
{%- endmacro %}

{% macro deadline_due_date(rel, unit_expr, roll=none) -%}
    {%- set roll = var('deadline_roll_to_working_day') if roll is none else roll -%}
    case
        when {{ unit_expr }} = 'arkipaiva' then due_wd.calendar_date
        else {{ 'due_roll.calendar_date' if roll else rel ~ '.calendar_due' }}
    end
{%- endmacro %}
