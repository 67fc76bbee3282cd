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
    -- older people, children and the age bands of the demographic dependency ratio (väestöllinen
    -- huoltosuhde), at the ages the vars set
    {%- set age = virta.age_in_years('p.birth_date', 'm.month_end') %}
    {%- set bands = population_age_bands() %}
    count(*) filter (where {{ age_band(age, bands.older) }}) as {{ bands.older.column }},
    count(*) filter (where {{ age_band(age, bands.children) }}) as {{ bands.children.column }},
    count(*) filter (where {{ age_band(age, bands.young) }}) as {{ bands.young.column }},
    count(*) filter (where {{ age_band(age, bands.working) }}) as {{ bands.working.column }},
    count(*) filter (where {{ age_band(age, bands.retired) }}) as {{ bands.retired.column }}
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
