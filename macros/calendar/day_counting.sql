{#- Day counting per laki säädettyjen määräaikain laskemisesta 150/1930, on bv_calendar:
    - the start day is not counted (§ 2);
    - months end on the same-numbered day, or the month's last day if it has none (§ 3):
      PostgreSQL's date + interval 'n months' does exactly that (2024-11-30 + 3 months = 2025-02-28);
    - a deadline falling on a holiday or Saturday moves to the next arkipäivä (§ 5) only when the
      switch is on (var deadline_roll_to_working_day; off for THL-comparable figures). -#}

{#- The n-th arkipäivä after a date; n = 0 means the same arkipäivä, or the next one if the date
    is not an arkipäivä. -#}
{% macro working_day_after(date_expr, n) -%}
    (
        select wd.calendar_date
        from {{ ref('bv_calendar') }} as wd
        inner join {{ ref('bv_calendar') }} as sd on sd.calendar_date = ({{ date_expr }})::date
        where
            wd.is_arkipaiva
            and wd.working_day_seq = sd.working_day_seq + ({{ n }})
            + case when ({{ n }}) = 0 and not sd.is_arkipaiva then 1 else 0 end
    )
{%- endmacro %}

{% macro next_working_day(date_expr) -%}
    {{ virta.working_day_after(date_expr, 0) }}
{%- endmacro %}

{% macro add_months_fi(date_expr, n) -%}
    (({{ date_expr }})::date + make_interval(months => ({{ n }})::integer))::date
{%- endmacro %}

{#- The last day a deadline is met on: start date + amount in unit (arkipaiva, day, week, month). -#}
{% macro deadline_due_date(start_expr, amount_expr, unit_expr, roll=none) -%}
    {%- set roll = var('deadline_roll_to_working_day') if roll is none else roll -%}
    {%- set calendar_due -%}
        case {{ unit_expr }}
            when 'day' then ({{ start_expr }})::date + ({{ amount_expr }})::integer
            when 'week' then ({{ start_expr }})::date + 7 * ({{ amount_expr }})::integer
            when 'month' then {{ virta.add_months_fi(start_expr, amount_expr) }}
        end
    {%- endset -%}
    case
        when {{ unit_expr }} = 'arkipaiva' then {{ virta.working_day_after(start_expr, amount_expr) }}
        {%- if roll %}
        else {{ virta.next_working_day(calendar_due) }}
        {%- else %}
        else {{ calendar_due }}
        {%- endif %}
    end
{%- endmacro %}
