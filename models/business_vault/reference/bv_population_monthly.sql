-- Residents (väestö) per county and municipality at each month end from the population register:
-- alive and born by then, counted in the county of the home municipality valid on that day
-- (bv_person_residence: the register's move dates; ref_municipality_county valid on that day). The
-- denominator of every per-resident indicator. A later delivery adds to the history, it does not
-- move people in the past.

with people as (
    select
        p.person_hk,
        p.birth_date,
        p.death_date
    from {{ ref('bv_person') }} as p
    where p.is_in_population_register
),

month_ends as (
    select rm.month_end
    from {{ ref('bv_reporting_month') }} as rm
)

select
    m.month_end,
    date_trunc('month', m.month_end)::date as month,
    mc.county_code,
    r.municipality_code,
    count(*) as residents_n,
    count(*) filter (where {{ virta.age_in_years('p.birth_date', 'm.month_end') }} >= 75) as residents_75_plus_n,
    count(*) filter (where {{ virta.age_in_years('p.birth_date', 'm.month_end') }} < 18) as residents_under_18_n,
    -- the age bands of the demographic dependency ratio (väestöllinen huoltosuhde)
    count(*) filter (where {{ virta.age_in_years('p.birth_date', 'm.month_end') }} < 15) as residents_0_14_n,
    count(*) filter (
        where {{ virta.age_in_years('p.birth_date', 'm.month_end') }} between 15 and 64
    ) as residents_15_64_n,
    count(*) filter (where {{ virta.age_in_years('p.birth_date', 'm.month_end') }} >= 65) as residents_65_plus_n
from month_ends as m
inner join people as p
    on
        m.month_end >= p.birth_date
        and (p.death_date is null or m.month_end < p.death_date)
inner join {{ ref('bv_person_residence') }} as r
    on
        p.person_hk = r.person_hk
        and m.month_end between r.valid_from and r.valid_to
inner join {{ ref('ref_municipality_county') }} as mc
    on
        r.municipality_code = mc.municipality_code
        and m.month_end >= mc.valid_from
        and (mc.valid_to is null or m.month_end <= mc.valid_to)
group by m.month_end, mc.county_code, r.municipality_code
