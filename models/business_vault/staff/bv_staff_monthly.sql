{{ config(indexes=[{'columns': ['county_code', 'month']}]) }}
-- Staff resources (henkilöstövoimavarat) per county, reporting month and AURA-style service: the
-- sums that FTE, sickness absence, turnover, the share of agency staff and staff costs are computed
-- from (mart_staff_resources_yearly). An employment belongs to the service of its cost centre's
-- mapping in force on the day measured; a shift to the service of its unit's cost centre.
--
--   fte_month_end_sum    working-time percentages / 100 of employments running at the month end
--   employees_n          people (staff pseudonyms) with an employment running at the month end
--   permanent_n          of them, with a permanent one (the base of turnover)
--   leavers_n            people whose permanent employment ended in the month, not by a move to
--                        another employment of theirs in the county (bv_employment.is_internal_move)
--   theoretical_days_fte working days (arkipäivät) of the employments in the month x FTE: the
--                        regular working time sickness absence is a share of
--   sick_days_fte        the working days of it spent on sick leave x FTE (overlapping spells once)
--   worked_hours, agency_hours  hours of worked shifts, and of them agency staff's (24-hour units);
--                        agency_staff_n the agency workers who worked them
--   salaries_eur         the ledger's salaries (account staff_salary_accounts) on the service

with months as (
    select
        rm.month,
        rm.month_end
    from {{ ref('bv_reporting_month') }} as rm
),

calendar as (
    select
        c.calendar_date,
        c.working_day_seq,
        c.is_arkipaiva
    from {{ ref('bv_calendar') }} as c
),

employments as (
    select * from {{ ref('bv_employment') }}
    where county_code is not null and started_on is not null
),

-- each employment in each month it runs in, with the part of the month it covers
employment_months as (
    select
        e.*,
        m.month,
        m.month_end,
        greatest(e.started_on, m.month) as part_start,
        least(coalesce(e.ended_on, m.month_end), m.month_end) as part_end
    from employments as e
    inner join months as m on e.started_on <= m.month_end and (e.ended_on is null or e.ended_on >= m.month)
),

-- the service of the cost centre on a day
mapped as (
    select
        em.*,
        coalesce(cm.aura_service_code, 'unmapped') as service_code
    from employment_months as em
    left join {{ ref('bv_cost_centre_mapping') }} as cm
        on
            em.cost_centre_hk = cm.cost_centre_hk
            and em.part_end between cm.mapping_valid_from and cm.mapping_valid_to
),

employment_days as (
    select
        mp.*,
        ce.working_day_seq - cs.working_day_seq + case when cs.is_arkipaiva then 1 else 0 end as working_days
    from mapped as mp
    inner join calendar as cs on mp.part_start = cs.calendar_date
    inner join calendar as ce on mp.part_end = ce.calendar_date
),

absence_employee as (
    {{ current_link('link_absence_employee', 'absence_hk', ['employee_hk']) }}
),

-- each employee's sick-leave working days, once each where spells overlap (an extension delivered
-- as a spell of its own)
sick_days as (
    select distinct
        ae.employee_hk,
        d.calendar_date
    from {{ ref('bv_current_absence') }} as a
    inner join absence_employee as ae on a.absence_hk = ae.absence_hk
    inner join calendar as d on d.calendar_date between a.first_day and a.last_day
    where a.reason = 'sick_leave' and d.is_arkipaiva
),

-- the working days of each employment-month spent on sick leave
sick_parts as (
    select
        ed.employment_hk,
        ed.month,
        count(*) as sick_working_days
    from employment_days as ed
    inner join sick_days as s
        on ed.employee_hk = s.employee_hk and s.calendar_date between ed.part_start and ed.part_end
    group by ed.employment_hk, ed.month
),

employment_facts as (
    select
        ed.county_code,
        ed.month,
        ed.service_code,
        sum(ed.fte_pct) filter (where ed.ended_on is null or ed.ended_on >= ed.month_end) / 100.0
            as fte_month_end_sum,
        count(distinct ed.staff_pseudonym) filter (where ed.ended_on is null or ed.ended_on >= ed.month_end)
            as employees_n,
        count(distinct ed.staff_pseudonym) filter (
            where (ed.ended_on is null or ed.ended_on >= ed.month_end) and ed.employment_type = 'permanent'
        ) as permanent_n,
        count(distinct ed.staff_pseudonym) filter (
            where ed.employment_type = 'permanent' and not ed.is_internal_move
            and ed.ended_on between ed.month and ed.month_end
        ) as leavers_n,
        count(*) filter (where ed.started_on between ed.month and ed.month_end) as starters_n,
        sum(ed.working_days * ed.fte_pct) / 100.0 as theoretical_days_fte,
        coalesce(sum(sp.sick_working_days * ed.fte_pct) / 100.0, 0) as sick_days_fte,
        count(distinct ed.staff_pseudonym) filter (where sp.sick_working_days > 0) as sick_employees_n
    from employment_days as ed
    left join sick_parts as sp on ed.employment_hk = sp.employment_hk and ed.month = sp.month
    group by ed.county_code, ed.month, ed.service_code
),

unit_cost_centre as (
    {{ current_link('link_unit_cost_centre', 'organisation_unit_hk', ['cost_centre_hk']) }}
),

shift_facts as (
    select
        s.county_code,
        cast(date_trunc('month', s.shift_date) as date) as month,
        coalesce(cm.aura_service_code, 'unmapped') as service_code,
        sum(coalesce(s.direct_hours, 0) + coalesce(s.indirect_hours, 0)) as worked_hours,
        sum(coalesce(s.direct_hours, 0) + coalesce(s.indirect_hours, 0)) filter (where s.staff_group = 'agency')
            as agency_hours,
        count(distinct s.employee_hk) filter (where s.staff_group = 'agency') as agency_staff_n
    from {{ ref('bv_staff_shift') }} as s
    left join unit_cost_centre as uc on s.organisation_unit_hk = uc.organisation_unit_hk
    left join {{ ref('bv_cost_centre_mapping') }} as cm
        on uc.cost_centre_hk = cm.cost_centre_hk and s.shift_date between cm.mapping_valid_from and cm.mapping_valid_to
    where s.is_worked and s.county_code is not null
    group by s.county_code, cast(date_trunc('month', s.shift_date) as date), coalesce(cm.aura_service_code, 'unmapped')
),

salary_facts as (
    select
        l.county_code,
        l.month,
        coalesce(l.service_code, 'unmapped') as service_code,
        sum(l.amount_eur) as salaries_eur
    from {{ ref('bv_ledger_entry') }} as l
    where l.account in ({% for a in var('staff_salary_accounts') %}'{{ a }}'{{ ', ' if not loop.last }}{% endfor %})
    group by l.county_code, l.month, coalesce(l.service_code, 'unmapped')
),

-- every county, month and service any of the three has
cells as (
    select
        county_code,
        month,
        service_code
    from employment_facts
    union
    select
        county_code,
        month,
        service_code
    from shift_facts
    union
    select
        county_code,
        month,
        service_code
    from salary_facts
)

select
    c.county_code,
    c.month,
    c.service_code,
    coalesce(e.fte_month_end_sum, 0) as fte_month_end_sum,
    coalesce(e.employees_n, 0) as employees_n,
    coalesce(e.permanent_n, 0) as permanent_n,
    coalesce(e.leavers_n, 0) as leavers_n,
    coalesce(e.starters_n, 0) as starters_n,
    coalesce(e.theoretical_days_fte, 0) as theoretical_days_fte,
    coalesce(e.sick_days_fte, 0) as sick_days_fte,
    coalesce(e.sick_employees_n, 0) as sick_employees_n,
    coalesce(s.worked_hours, 0) as worked_hours,
    coalesce(s.agency_hours, 0) as agency_hours,
    coalesce(s.agency_staff_n, 0) as agency_staff_n,
    coalesce(l.salaries_eur, 0) as salaries_eur
from cells as c
inner join months as m on c.month = m.month
left join employment_facts as e
    on c.county_code = e.county_code and c.month = e.month and c.service_code = e.service_code
left join shift_facts as s
    on c.county_code = s.county_code and c.month = s.month and c.service_code = s.service_code
left join salary_facts as l
    on c.county_code = l.county_code and c.month = l.month and c.service_code = l.service_code
