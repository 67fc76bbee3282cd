-- One row per decision (päätös) on a social service, with its case, the service, the outcome, the
-- start and end of the granted service and the days between initiation, decision and start: the business
-- view the palveluun pääsy (access to social services) marts count from. Current satellite rows only.

with decisions as (
    {{ current_rows('sat_decision_procons', 'decision_hk') }}
),

decision_case as (
    {{ current_link('link_decision_case', 'decision_hk', ['social_care_case_hk']) }}
),

decision_producer as (
    {{ current_link('link_decision_producer', 'decision_hk', ['organisation_unit_hk']) }}
),

units as (
    {{ current_rows('sat_unit_org', 'organisation_unit_hk') }}
)

select
    d.decision_hk,
    c.social_care_case_hk,
    c.person_hk,
    c.county_code,
    c.home_municipality_code,
    c.case_group,
    c.legal_group,
    c.segments,
    c.age_at_initiation,
    d.service,
    d.outcome,
    u.production_mode,
    c.initiated_on,
    d.decided_on,
    d.service_started_on,
    d.service_ended_on,
    d.decided_on - c.initiated_on as days_initiation_to_decision,
    d.service_started_on - d.decided_on as days_decision_to_start,
    d.service_started_on - c.initiated_on as days_initiation_to_start
from decisions as d
left join decision_case as dc on d.decision_hk = dc.decision_hk
left join {{ ref('bv_social_care_case') }} as c on dc.social_care_case_hk = c.social_care_case_hk
left join decision_producer as dp on d.decision_hk = dp.decision_hk
left join units as u on dp.organisation_unit_hk = u.organisation_unit_hk
