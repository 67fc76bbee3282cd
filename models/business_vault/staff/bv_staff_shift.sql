{{ config(indexes=[{'columns': ['organisation_unit_hk', 'shift_date']}]) }}
-- One row per shift of the shift-planning system (työvuoro) with its employee, unit, the unit's
-- county, the employee's title and staff group (own or agency), and what became of it: worked (its
-- direct and indirect hours), not worked for an absence, or still only planned. The staffing ratio
-- (bv_staffing_ratio_weekly) and the share of agency staff count these; no rule is applied here.

with shifts as (
    select * from {{ ref('bv_current_shift') }}
),

shift_employee as (
    {{ current_link('link_shift_employee', 'shift_hk', ['employee_hk']) }}
),

shift_unit as (
    {{ current_link('link_shift_unit', 'shift_hk', ['organisation_unit_hk']) }}
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
    e.title_code,
    e.staff_group
from shifts as s
left join shift_employee as se on s.shift_hk = se.shift_hk
left join shift_unit as su on s.shift_hk = su.shift_hk
left join units as u on su.organisation_unit_hk = u.organisation_unit_hk
left join {{ ref('bv_current_employee') }} as e on se.employee_hk = e.employee_hk
