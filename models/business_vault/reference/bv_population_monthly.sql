-- Residents (väestö) per county and municipality at each month end from the population register: alive and born by
-- then, counted in the county of their current home municipality (ref_municipality_county valid on
-- that day). The denominator of every per-resident indicator. Moves are taken as of the latest
-- register delivery (the register's own history is not replayed).

with people as (
    {{ current_rows('sat_person_vtj', 'person_hk') }}
),

month_ends as (
    select rm.month_end
    from {{ ref('bv_reporting_month') }} as rm
)

select
    m.month_end,
    date_trunc('month', m.month_end)::date as month,
    mc.county_code,
    p.municipality_code,
    count(*) as residents_n,
    count(*) filter (where extract(year from age(m.month_end, p.birth_date)) >= 75) as residents_75_plus_n,
    count(*) filter (where extract(year from age(m.month_end, p.birth_date)) < 18) as residents_under_18_n,
    -- the age bands of the demographic dependency ratio (väestöllinen huoltosuhde)
    count(*) filter (where extract(year from age(m.month_end, p.birth_date)) < 15) as residents_0_14_n,
    count(*) filter (where extract(year from age(m.month_end, p.birth_date)) between 15 and 64) as residents_15_64_n,
    count(*) filter (where extract(year from age(m.month_end, p.birth_date)) >= 65) as residents_65_plus_n
from month_ends as m
inner join people as p
    on
        m.month_end >= p.birth_date
        and (p.death_date is null or m.month_end < p.death_date)
inner join {{ ref('ref_municipality_county') }} as mc
    on
        p.municipality_code = mc.municipality_code
        and m.month_end >= mc.valid_from
        and (mc.valid_to is null or m.month_end <= mc.valid_to)
group by m.month_end, mc.county_code, p.municipality_code
