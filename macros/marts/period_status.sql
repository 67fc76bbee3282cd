{#- Whether a figure is final: it will not change as time passes (late-arriving data aside). A
    monthly figure is final when its month is over by the data's as-of date (bv_reporting_month,
    which bv_data_as_of bounds) and, for figures judged on legal clocks, when `open_n` (clocks counted
    in the row that are still running) is zero: until then the share rests only on the clocks
    already decided. The latest months are provisional by construction. -#}
{% macro is_final_month(month_expr, open_n='0') -%}
    (
        ({{ month_expr }}) in (select fm.month from {{ ref('bv_reporting_month') }} as fm where not fm.is_partial)
        and {{ open_n }} = 0
    )
{%- endmacro %}

{#- Whether a year's figures cover the whole year: all twelve months are reporting months and none is
    partial. Yearly sums and means over part of a year are not comparable with full years. -#}
{% macro is_full_year(year_expr) -%}
    (
        ({{ year_expr }}) in (
            select extract(year from fy.month)::integer
            from {{ ref('bv_reporting_month') }} as fy
            group by extract(year from fy.month)::integer
            having count(*) filter (where not fy.is_partial) = 12
        )
    )
{%- endmacro %}

{#- Whether a period of several months (a half year, THL's child-welfare period) is complete: every
    month from its first to its last is a reporting month and none is partial. -#}
{% macro is_complete_span(start_expr, end_expr) -%}
    (
        (
            select count(*)
            from {{ ref('bv_reporting_month') }} as sp
            where
                sp.month between date_trunc('month', {{ start_expr }}) and {{ end_expr }}
                and not sp.is_partial
        )
        = (extract(year from {{ end_expr }}) - extract(year from {{ start_expr }})) * 12
        + extract(month from {{ end_expr }}) - extract(month from {{ start_expr }}) + 1
    )
{%- endmacro %}

{#- The number of reporting months of each year (months_n: how much of a year the data covers). -#}
{% macro reporting_months_by_year() -%}
    select
        cast(extract(year from rm.month) as integer) as year,
        count(*) as months_n
    from {{ ref('bv_reporting_month') }} as rm
    group by extract(year from rm.month)
{%- endmacro %}
