{#- The events whose clocks may have changed since this table's last refresh (an `affected` CTE's
    body for bv_clock_events and bv_deadline_due): need assessments whose row or visits were
    refreshed, and referrals, hospital care periods, social-care cases and decisions refreshed. A
    model using it declares these six models with `-- depends_on:` comments, since the block is
    rendered on incremental runs only. -#}
{% macro clock_event_news() -%}
    select a.need_assessment_hk as affected_key from {{ ref('bv_primary_care_assessment') }} as a
    where {{ virta.bv_refreshed_since('a') }}
    union
    select v.need_assessment_hk from {{ ref('bv_primary_care_visit') }} as v
    where v.need_assessment_hk is not null and {{ virta.bv_refreshed_since('v') }}
    union
    select r.referral_hk from {{ ref('bv_specialised_care_referral') }} as r
    where {{ virta.bv_refreshed_since('r') }}
    union
    select h.hospital_period_hk from {{ ref('bv_hospital_period') }} as h
    where {{ virta.bv_refreshed_since('h') }}
    union
    select c.social_care_case_hk from {{ ref('bv_social_care_case') }} as c
    where {{ virta.bv_refreshed_since('c') }}
    union
    select d.decision_hk from {{ ref('bv_social_care_decision') }} as d
    where {{ virta.bv_refreshed_since('d') }}
    union
    -- a case's decision clock stops at its first decision
    select d.social_care_case_hk from {{ ref('bv_social_care_decision') }} as d
    where d.social_care_case_hk is not null and {{ virta.bv_refreshed_since('d') }}
{%- endmacro %}
