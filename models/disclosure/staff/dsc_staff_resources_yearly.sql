-- Henkilöstövoimavarat (staff resources) per county and for all counties together, year and AURA-style
-- service (and 'all'), before disclosure control: people and full-time equivalents, FTE per 1 000
-- residents, sickness absence, turnover, the share of agency staff's hours and the ledger's salaries
-- per FTE. Summed from bv_staff_monthly, so the counties and the services add up to their totals.

{%- set rate_base = var('staff_rate_base') %}

with months as (
    select
        s.*,
        cast(extract(year from s.month) as integer) as year
    from {{ ref('bv_staff_monthly') }} as s
),

-- the year's last reporting month: the people employed are counted at its end
year_ends as (
    select
        cast(extract(year from rm.month) as integer) as year,
        max(rm.month) as month
    from {{ ref('bv_reporting_month') }} as rm
    group by extract(year from rm.month)
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        m.year,
        {{ or_all('m.service_code') }} as service_code,
        count(distinct m.month) as months_n,
        sum(m.employees_n) filter (where m.month = ye.month) as employees_n,
        sum(m.fte_month_end_sum) as fte_month_end_sum,
        sum(m.permanent_n) as permanent_month_end_sum,
        sum(m.leavers_n) as leavers_n,
        sum(m.theoretical_days_fte) as theoretical_days_fte,
        sum(m.sick_days_fte) as sick_days_fte,
        max(m.sick_employees_n) as sick_employees_max_n,
        sum(m.worked_hours) as worked_hours,
        sum(m.agency_hours) as agency_hours,
        max(m.agency_staff_n) as agency_staff_max_n,
        sum(m.salaries_eur) as salaries_eur
    from months as m
    inner join year_ends as ye on m.year = ye.year
    group by grouping sets (
        (m.county_code, m.year, m.service_code), (m.county_code, m.year), (m.year, m.service_code), (m.year)
    )
),

-- the months of each year in the data (a cell without staff in some month still spans them all)
year_months as (
    select
        cast(extract(year from rm.month) as integer) as year,
        count(*) as months_n
    from {{ ref('bv_reporting_month') }} as rm
    group by extract(year from rm.month)
),

residents as (
    {{ residents_by_area_year() }}
)

select
    c.area_code,
    c.area_level,
    c.year,
    {{ is_full_year('c.year') }} as is_full_year,
    ym.months_n,
    c.service_code,
    s.service_name_fi,
    s.service_name_en,
    round(r.residents_n) as residents_n,
    coalesce(c.employees_n, 0) as employees_n,
    {{ virta.round_to('c.fte_month_end_sum / ym.months_n', 1) }} as fte_mean,
    {{ virta.round_to(rate_base ~ ' * c.fte_month_end_sum / ym.months_n / nullif(r.residents_n, 0)', 2) }}
        as fte_per_{{ rate_base }},
    c.leavers_n,
    -- turnover: permanent staff who left the county's service, % of the mean permanent headcount, a
    -- year in part scaled to twelve months (an annual rate, comparable between years)
    {{ virta.round_to('100.0 * c.leavers_n * 12 / ym.months_n'
        ~ ' / nullif(c.permanent_month_end_sum / ym.months_n, 0)', 1) }} as turnover_pct,
    {{ virta.round_to('c.sick_days_fte', 1) }} as sick_days_fte,
    c.sick_employees_max_n,
    -- sickness absence: sick-leave working days, % of the regular working days (both weighted by FTE)
    {{ virta.round_to('100.0 * c.sick_days_fte / nullif(c.theoretical_days_fte, 0)', 1) }} as sick_absence_pct,
    -- agency staff (vuokratyövoima): their hours, and % of the hours worked in the units the
    -- shift-planning system covers; the most agency workers in a month are their contributors
    {{ virta.round_to('c.agency_hours', 1) }} as agency_hours,
    c.agency_staff_max_n,
    {{ virta.round_to('100.0 * c.agency_hours / nullif(c.worked_hours, 0)', 1) }} as agency_hours_pct,
    {{ virta.round_to('c.salaries_eur', 2) }} as salaries_eur,
    -- salaries per FTE over a year (a year in part scaled to twelve months)
    {{ virta.round_to('c.salaries_eur * 12 / ym.months_n / nullif(c.fte_month_end_sum / ym.months_n, 0)', 0) }}
        as salaries_per_fte_eur
from cells as c
inner join year_months as ym on c.year = ym.year
left join residents as r on c.area_code = r.area_code and c.year = r.year
left join {{ ref('ref_aura_service_classes') }} as s on c.service_code = s.service_code
