{{ config(materialized='table') }}
-- Records whose parent is known only by its key: the child names a parent (a visit its need
-- assessment, a decision its case, a ledger line its cost centre...) whose own row never reached the
-- vault, because it was quarantined or has not been delivered. The policy, the same for every concept:
-- the child is kept and counted; it is placed by its own attributes where the parent's are missing
-- (business-vault models say how), and it is listed here, so none is dropped unseen.

with orphans as (
    {{ orphans_of('visit', 'need_assessment', 'assessment_id', 'link_visit_assessment',
                  ['sat_need_assessment_apotti', 'sat_need_assessment_lifecare']) }}
    union all
    {{ orphans_of('need_assessment', 'contact', 'contact_id', 'link_assessment_contact',
                  ['sat_contact_apotti', 'sat_contact_lifecare']) }}
    union all
    {{ orphans_of('decision', 'social_care_case', 'case_id', 'link_decision_case', ['sat_social_care_case_procons']) }}
    union all
    {{ orphans_of('service_need_assessment', 'social_care_case', 'case_id', 'link_social_assessment_case',
                  ['sat_social_care_case_procons']) }}
    union all
    {{ orphans_of('ledger_entry', 'cost_centre', 'cost_centre_code', 'link_ledger_entry_cost_centre',
                  ['sat_cost_centre_raindance']) }}
),

-- the parents' raw tables and key columns, to tell a quarantined parent from one not found
quarantined as (
    {{ quarantined_keys([
        ('apotti_triage', 'triage_id'), ('lifecare_hoitotapahtumat', 'tapahtuma_id'),
        ('apotti_contacts', 'contact_id'), ('lifecare_yhteydenotot', 'yhteys_id'),
        ('procons_asiat', 'asia_id'), ('raindance_kustannuspaikat', 'kustannuspaikka')]) }}
),

quarantined_keys as (
    select distinct q.source_key
    from quarantined as q
)

select distinct
    o.child_concept,
    o.child_hk,
    o.parent_concept,
    o.parent_hk,
    o.parent_key,
    -- not delivered, or quarantined without its key, is 'not found'
    case when k.source_key is not null then 'parent row quarantined' else 'parent not found' end as reason
from orphans as o
left join quarantined_keys as k on split_part(o.parent_key, '|', 2) = k.source_key
