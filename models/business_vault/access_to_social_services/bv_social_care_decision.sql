{{ virta.bv_incremental_config('decision_hk', indexes=[{'columns': ['decision_hk'], 'unique': true}]) }}
-- One row per decision (päätös) on a social service, with its case, the service, the outcome, the
-- start and end of the granted service and the days between initiation, decision and start: the business
-- view the palveluun pääsy (access to social services) marts count from. Current satellite rows only.
--
-- A decision whose case is known only by its key (the case row was quarantined or never delivered) is
-- kept and counted, placed by what the decision itself says: the county of the unit producing the
-- service, the case group of the service (ref_social_services), the client it names. What only the
-- case knows (initiation, special ground) stays unknown, so no clock that starts at the initiation
-- runs for it. audit_orphan_records lists such decisions.

with
{%- if is_incremental() %}
-- decisions whose own row, case, client or producer (or any of their rows) changed since the last refresh
affected as (
    select d.decision_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_decision', 'decision_hk') }}) as d
    union
    {{ virta.bv_link_news(ref('link_decision_case'), 'decision_hk', 'social_care_case_hk',
        'select c.social_care_case_hk from ' ~ ref('bv_social_care_case') ~ ' as c where ' ~ virta.bv_refreshed_since('c')) }}
    union
    {{ virta.bv_link_news(ref('link_decision_person'), 'decision_hk', 'person_hk', virta.bv_changed_people()) }}
    union
    {{ virta.bv_link_news(ref('link_decision_producer'), 'decision_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),
{%- endif %}

decisions as (
    select d.* from {{ virta.bv_affected_rows(ref('bv_current_decision'), 'decision_hk') }} as d
),

decision_case as (
    {{ current_link('link_decision_case', 'decision_hk', ['social_care_case_hk']) }}
),

decision_person as (
    {{ current_link('link_decision_person', 'decision_hk', ['person_hk']) }}
),

decision_producer as (
    {{ current_link('link_decision_producer', 'decision_hk', ['organisation_unit_hk']) }}
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

placed as (
    select
        d.decision_hk,
        dc.social_care_case_hk,
        (c.social_care_case_hk is not null) as is_case_known,
        coalesce(c.person_hk, dp.person_hk) as person_hk,
        coalesce(c.county_code, u.county_code) as county_code,
        coalesce(c.home_municipality_code, p.home_municipality_code) as home_municipality_code,
        coalesce(c.case_group, s.case_group) as case_group,
        c.urgency,
        c.special_ground,
        c.age_at_initiation,
        -- the age on the decision date where the initiation is unknown
        coalesce(c.age_at_initiation, {{ virta.age_in_years('p.birth_date', 'd.decided_on') }})
            as age_for_rules,
        d.service,
        d.outcome,
        u.production_mode,
        c.initiated_on,
        d.decided_on,
        d.service_started_on,
        d.service_ended_on
    from decisions as d
    left join decision_case as dc on d.decision_hk = dc.decision_hk
    left join {{ ref('bv_social_care_case') }} as c on dc.social_care_case_hk = c.social_care_case_hk
    left join decision_person as dp on d.decision_hk = dp.decision_hk
    left join {{ ref('bv_person') }} as p on coalesce(c.person_hk, dp.person_hk) = p.person_hk
    left join decision_producer as pr on d.decision_hk = pr.decision_hk
    left join units as u on pr.organisation_unit_hk = u.organisation_unit_hk
    left join {{ ref('ref_social_services') }} as s on d.service = s.service
),

final as (
    select
        p.decision_hk,
        p.social_care_case_hk,
        p.is_case_known,
        p.person_hk,
        p.county_code,
        p.home_municipality_code,
        p.case_group,
        p.urgency,
        {{ social_care_legal_group('p.case_group', 'p.age_for_rules', 'p.special_ground') }} as legal_group,
        {{ social_care_segments('p.case_group', 'p.special_ground') }} as segments,
        p.age_at_initiation,
        p.service,
        p.outcome,
        p.production_mode,
        p.initiated_on,
        p.decided_on,
        p.service_started_on,
        p.service_ended_on,
        {{ virta.days_between('p.initiated_on', 'p.decided_on') }} as days_initiation_to_decision,
        {{ virta.days_between('p.decided_on', 'p.service_started_on') }} as days_decision_to_start,
        {{ virta.days_between('p.initiated_on', 'p.service_started_on') }} as days_initiation_to_start
    from placed as p
)

{{ virta.bv_replace_keys_select('final', 'decision_hk') }}
