-- Residents (väestö) per county, home municipality and age in years at each reporting month end
-- from the population register: alive and born by then, counted in the county of the home
-- municipality valid on that day (bv_person_residence: the register's move dates;
-- ref_municipality_county valid on that day). Each age is computed once here, so every age band
-- (bv_population_monthly's, the population projection's) is a sum over a few thousand rows.

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
    mc.county_code,
    r.municipality_code,
    {{ virta.age_in_years('p.birth_date', 'm.month_end') }} as age,
    -- an integer count sums to a bigint
    count(*)::integer as residents_n
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
group by m.month_end, mc.county_code, r.municipality_code, age
