-- One row per employment (palvelussuhde) of the HR system with its employee, the staff-domain
-- pseudonym of the person (never joinable to clients' pseudonyms), its cost centre and whether its
-- end was a move to another employment of the same person in the county (not a leaver: turnover
-- counts people leaving the county's service, as the employers' statistics do; var
-- staff_internal_move_days).

with employments as (
    select * from {{ ref('bv_current_employment') }}
),

employment_employee as (
    {{ current_link('link_employment_employee', 'employment_hk', ['employee_hk']) }}
),

employment_cost_centre as (
    {{ current_link('link_employment_cost_centre', 'employment_hk', ['cost_centre_hk']) }}
),

located as (
    select
        e.employment_hk,
        ee.employee_hk,
        e.staff_pseudonym,
        e.title_code,
        e.fte_pct,
        e.employment_type,
        e.started_on,
        e.ended_on,
        e.end_reason,
        ec.cost_centre_hk,
        -- the county of the cost centre's mapping (a cost centre stays in its county)
        (
            select max(m.county_code) from {{ ref('bv_cost_centre_mapping') }} as m
            where m.cost_centre_hk = ec.cost_centre_hk
        ) as county_code
    from employments as e
    left join employment_employee as ee on e.employment_hk = ee.employment_hk
    left join employment_cost_centre as ec on e.employment_hk = ec.employment_hk
)

select
    l.*,
    -- a move: another employment of the person in the county runs on after this one ended, having
    -- started before it ended or within the move days after
    l.ended_on is not null and exists (
        select 1
        from located as n
        where
            n.staff_pseudonym = l.staff_pseudonym
            and n.county_code = l.county_code
            and n.employment_hk <> l.employment_hk
            and n.started_on <= l.ended_on + {{ var('staff_internal_move_days') }}
            and (n.ended_on is null or n.ended_on > l.ended_on)
    ) as is_internal_move
from located as l
