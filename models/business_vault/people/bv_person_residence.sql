{{ config(indexes=[{'columns': ['person_hk', 'valid_from']}]) }}
-- Home municipality (kotikunta) history of each person in the population register: one row per
-- municipality version, valid from the register's move date (kotikunnan alkupäivä) to the day before
-- the next one. Every delivery adds to this history, so a past date keeps the municipality valid
-- then. The earliest known version is also taken to hold before its move date (the municipality
-- before it is unknown: a one-off extract gives only the current one).

-- the latest delivered state of each version (a correction replaces it)
with versions as (
    {{ virta.latest_per_key(['s.person_hk', 's.municipality_since', 's.municipality_code'],
        ref('sat_person_vtj') ~ ' as s', key=['s.person_hk', 's.municipality_since'], latest='s.load_datetime desc') }}
),

ordered as (
    select
        v.*,
        row_number() over (partition by v.person_hk order by v.municipality_since asc nulls first) as version_no,
        lead(v.municipality_since) over (
            partition by v.person_hk order by v.municipality_since asc nulls first
        ) as next_since
    from versions as v
)

select
    o.person_hk,
    o.municipality_code,
    o.municipality_since,
    case when o.version_no = 1 then '-infinity'::date else o.municipality_since end as valid_from,
    coalesce(o.next_since - 1, 'infinity'::date) as valid_to
from ordered as o
