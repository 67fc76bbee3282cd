-- Palvelujen yhteensovittaminen (coordination of services): per county and for all counties together and
-- year, the clients of social services (older people's services, family services) and the share who
-- also used health services (primary, oral or specialised care) in the same year: the people whose
-- care the county must coordinate across its social and health services.

with activity as (
    select
        a.county_code,
        extract(year from a.month)::integer as year,
        a.person_hk,
        bool_or(c.activity_code = 'ILL-A-2') as used_social,
        bool_or(c.activity_code = 'ILL-A-1') as used_health
    from {{ ref('bv_service_activity') }} as a
    inner join {{ ref('ref_aura_service_classes') }} as c on a.service_code = c.service_code
    inner join {{ ref('bv_reporting_month') }} as rm on a.month = rm.month
    where a.person_hk is not null
    group by a.county_code, extract(year from a.month)::integer, a.person_hk
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        count(*) filter (where used_social) as social_clients_n,
        count(*) filter (where used_social and used_health) as joint_clients_n
    from activity
    group by {{ by_county_and_total(['year']) }}
),

measured as (
    select
        area_code,
        area_level,
        year,
        social_clients_n,
        joint_clients_n,
        {{ pct('joint_clients_n', 'social_clients_n') }} as joint_clients_pct
    from cells
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year
from measured
