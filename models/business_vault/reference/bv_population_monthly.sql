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
),

-- each resident's age at each month end, computed once and counted by age: the bands below are
-- then sums over a few thousand rows, not five age calculations per person and month
by_age as (
    select
        m.month_end,
        mc.county_code,
        r.municipality_code,
        {{ virta.age_in_years('p.birth_date', 'm.month_end') }} as age,
        -- an integer count sums to a bigint, as the counts below were before
        count(*)::integer as n
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
)

select
    a.month_end,
    date_trunc('month', a.month_end)::date as month,
    a.county_code,
    a.municipality_code,
    sum(a.n) as residents_n,
    -- older people, children and the age bands of the demographic dependency ratio (väestöllinen
    -- huoltosuhde), at the ages the vars set
    {%- set bands = population_age_bands() %}
    coalesce(sum(a.n) filter (where {{ age_band('a.age', bands.older) }}), 0) as {{ bands.older.column }},
    coalesce(sum(a.n) filter (where {{ age_band('a.age', bands.children) }}), 0) as {{ bands.children.column }},
    coalesce(sum(a.n) filter (where {{ age_band('a.age', bands.young) }}), 0) as {{ bands.young.column }},
    coalesce(sum(a.n) filter (where {{ age_band('a.age', bands.working) }}), 0) as {{ bands.working.column }},
    coalesce(sum(a.n) filter (where {{ age_band('a.age', bands.retired) }}), 0) as {{ bands.retired.column }}
from by_age as a
group by a.month_end, a.county_code, a.municipality_code
