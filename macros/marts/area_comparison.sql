{#- Comparison between counties and with their total (järjestämislaki § 29: counties compare
    themselves with each other). Marts group by county and also over all counties in one pass
    (grouping sets), so medians and percentiles of the total are computed from the rows, never
    averaged from county figures. The total is every county loaded into this warehouse (area_code
    var total_area_code, 'all'): bv_area names it the whole country only when that is what it is.
    The published national figures are beside it in mart_indicator_comparison. -#}

{#- The GROUP BY clause: `dims` for every county and for all of them together. -#}
{% macro by_county_and_total(dims) -%}
    {{ by_area_with_totals(dims, []) }}
{%- endmacro %}

{#- The area of a grouped row: the county code, or the total's code for the row over all counties. -#}
{% macro area_code() -%}
    case when grouping(county_code) = 1 then '{{ var("total_area_code") }}' else county_code end
{%- endmacro %}

{% macro area_level() -%}
    case when grouping(county_code) = 1 then 'total' else 'county' end
{%- endmacro %}

{#- Rank of a county among the counties for the same period and breakdown; null for the total
    and for suppressed or missing values. `direction` says what rank 1 is:
    'lower_is_better' (1 = lowest value), 'higher_is_better' (1 = highest) or 'neutral' (a measure
    that is neither good nor bad when high, such as cost or the share of the old: 1 = highest, like
    every neutral measure). Ties share a rank and the next is skipped (1, 1, 3). -#}
{% macro county_rank(measure, partition_by, direction) -%}
    {%- if direction not in ('lower_is_better', 'higher_is_better', 'neutral') -%}
        {{ exceptions.raise_compiler_error(
            "county_rank: direction must be lower_is_better, higher_is_better or neutral, not " ~ direction) }}
    {%- endif -%}
    case when area_level = 'county' and {{ measure }} is not null then
        rank() over (
            partition by area_level, ({{ measure }} is null), {{ partition_by | join(', ') }}
            order by {{ measure }} {{ 'asc' if direction == 'lower_is_better' else 'desc' }}
        )
    end
{%- endmacro %}

{#- The GROUP BY clause of a mart with total rows: `fixed` dimensions always, and every combination of
    the `totalled` dimensions with each of them also summed over ('all'), for every county and for
    all of them together. No row is lost between groups and a user never needs to add cells up. -#}
{% macro by_area_with_totals(fixed, totalled) -%}
    {%- set sets = [] -%}
    {#- every subset of `totalled`, as the bits of 0 .. 2^n - 1 -#}
    {%- for i in range(2 ** (totalled | length)) -%}
        {%- set kept = [] -%}
        {%- for column in totalled -%}
            {%- if (i // (2 ** loop.index0)) % 2 == 0 -%}{%- do kept.append(column) -%}{%- endif -%}
        {%- endfor -%}
        {%- do sets.append(fixed + kept) -%}
    {%- endfor -%}
    grouping sets (
    {%- for s in sets %}
        (county_code, {{ s | join(', ') }}), ({{ s | join(', ') }}){{ ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{#- A totalled dimension's value: 'all' on the rows summed over it. -#}
{% macro or_all(column) -%}
    case when grouping({{ column }}) = 1 then 'all' else {{ column }} end
{%- endmacro %}

{#- The published marts' shared shape (docs/marts.md). A cells model says whether its period is
    complete as is_final (a month) or is_full_year (a year); every published mart says it as
    is_complete_period, so one filter reads every mart alike. -#}
{% macro published_column_name(column) -%}
    {{ return({'is_final': 'is_complete_period', 'is_full_year': 'is_complete_period'}.get(column, column)) }}
{%- endmacro %}

{#- The area's names, read from bv_area (the latest names of each code) by area_join. -#}
{% macro area_names(area_code) -%}
    area.area_name_fi,
    area.area_name_sv,
    area.area_name_en
{%- endmacro %}

{% macro area_join(area_code, alias='area') -%}
    {#- only the names: the mart's own area_level and other columns stay unambiguous -#}
    left join (
        select area_code, area_name_fi, area_name_sv, area_name_en
        from (
            select
                a.*,
                row_number() over (partition by a.area_code order by a.valid_from desc) as recency
            from {{ ref('bv_area') }} as a
        ) as latest
        where recency = 1
    ) as {{ alias }} on {{ area_code }} = {{ alias }}.area_code
{%- endmacro %}

{#- How many areas a rank (county_rank) ranks among: the counties with a published value in the
    same partition, so "3rd" reads as "3rd of 21". Null where the row has no rank. -#}
{% macro ranked_areas_n(measure, partition_by) -%}
    case when area_level = 'county' and {{ measure }} is not null then
        count({{ measure }}) over (partition by area_level, ({{ measure }} is null), {{ partition_by | join(', ') }})
    end
{%- endmacro %}
