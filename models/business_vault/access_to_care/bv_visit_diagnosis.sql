{{ config(indexes=[{'columns': ['person_hk', 'visit_on']}]) }}
-- Diagnoses (ICD-10) of completed primary-care visits, one row per visit and diagnosis rank: the
-- set the source delivered last (bv_current_visit_diagnosis). Visits deleted in the source are left
-- out. What the segment rules' diagnosis criterion reads.

select
    v.visit_hk,
    v.person_hk,
    v.county_code,
    v.visit_at::date as visit_on,
    d.diagnosis_rank,
    upper(trim(d.icd10_code)) as icd10_code,
    -- the three-character category (F32.9 -> F32) the rules' ranges compare on
    left(upper(trim(d.icd10_code)), 3) as icd10_category
from {{ ref('bv_current_visit_diagnosis') }} as d
inner join {{ ref('bv_primary_care_visit') }} as v on d.visit_hk = v.visit_hk
where
    v.visit_status = 'completed'
    and not v.is_deleted
    and v.person_hk is not null
