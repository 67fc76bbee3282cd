{{ config(indexes=[{'columns': ['organisation_unit_hk', 'shift_date']}]) }}
-- One row per shift of the shift-planning system (työvuoro) with its employee, unit, the unit's
-- county, the employee's title on the shift's day and staff group (own or agency), and what became
-- of it: worked (its direct and indirect hours), not worked for an absence, or still only planned.
-- The title is the HR employment's in force that day (a promotion does not rewrite earlier weeks),
-- else the shift-planning system's own (agency staff have no HR employment); an unknown code in one
-- system gives way to the other. The staffing ratio (bv_staffing_ratio_weekly) and the share of
-- agency staff count these; no rule is applied here.

with shifts as (
    select * from {{ ref('bv_current_shift') }}
),

shift_employee as (
    {{ current_link('link_shift_employee', 'shift_hk', ['employee_hk']) }}
),

shift_unit as (
    {{ current_link('link_shift_unit', 'shift_hk', ['organisation_unit_hk']) }}
),

-- the HR employment in force on the shift's day (the latest started when two are)
hr_titles as (
    {{ virta.latest_per_key(
        ['se.shift_hk', 'e.title_code'],
        'shift_employee as se inner join shifts as sh on se.shift_hk = sh.shift_hk'
        ~ ' inner join ' ~ ref('bv_employment') ~ ' as e on se.employee_hk = e.employee_hk'
        ~ ' and cast(sh.starts_at as date) >= e.started_on'
        ~ ' and (e.ended_on is null or cast(sh.starts_at as date) <= e.ended_on)'
        ~ " and e.title_code <> 'unknown'",
        key=['se.shift_hk'], latest='e.started_on desc') }}
),

-- the shift-planning system's own view of its units (their county); one row a unit
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'titania'
)

select
    s.shift_hk,
    se.employee_hk,
    su.organisation_unit_hk,
    u.county_code,
    cast(s.starts_at as date) as shift_date,
    s.starts_at,
    s.ends_at,
    s.direct_hours,
    s.indirect_hours,
    s.absence_code,
    -- realised: worked (hours recorded) or not worked for an absence; a shift with neither is
    -- only planned so far
    s.absence_code is null and coalesce(s.direct_hours, s.indirect_hours) is not null as is_worked,
    s.absence_code is not null as is_absent,
    coalesce(hr.title_code, nullif(e.title_code, 'unknown')) as title_code,
    case when hr.title_code is not null then 'hr' when e.title_code <> 'unknown' then 'shift_planning' end
        as title_source,
    e.staff_group
from shifts as s
left join shift_employee as se on s.shift_hk = se.shift_hk
left join shift_unit as su on s.shift_hk = su.shift_hk
left join units as u on su.organisation_unit_hk = u.organisation_unit_hk
left join {{ ref('bv_current_employee') }} as e on se.employee_hk = e.employee_hk
left join hr_titles as hr on s.shift_hk = hr.shift_hk
