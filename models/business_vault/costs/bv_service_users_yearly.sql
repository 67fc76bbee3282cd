-- Palvelujen käyttäjät (service users): each person with activity in a service package in a year of
-- reporting months, once per county they used it in (bv_service_activity, packages of
-- ref_aura_service_classes). The people the service-user marts count, by county or by age.

select distinct
    a.county_code,
    extract(year from a.month)::integer as year,
    c.package_code,
    a.person_hk
from {{ ref('bv_service_activity') }} as a
inner join {{ ref('ref_aura_service_classes') }} as c on a.service_code = c.service_code
inner join {{ ref('bv_reporting_month') }} as rm on a.month = rm.month
