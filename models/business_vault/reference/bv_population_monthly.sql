-- Residents (väestö) per county and municipality at each month end (bv_population_by_age_monthly
-- summed over ages), with the age bands the vars set. The denominator of every per-resident
-- indicator. A later delivery adds to the history, it does not move people in the past.

select
    a.month_end,
    date_trunc('month', a.month_end)::date as month,
    a.county_code,
    a.municipality_code,
    sum(a.residents_n) as residents_n,
    -- older people, children and the age bands of the demographic dependency ratio (väestöllinen
    -- huoltosuhde), at the ages the vars set
    {%- set bands = population_age_bands() %}
    coalesce(sum(a.residents_n) filter (where {{ age_band('a.age', bands.older) }}), 0) as {{ bands.older.column }},
    coalesce(sum(a.residents_n) filter (where {{ age_band('a.age', bands.children) }}), 0)
        as {{ bands.children.column }},
    coalesce(sum(a.residents_n) filter (where {{ age_band('a.age', bands.young) }}), 0) as {{ bands.young.column }},
    coalesce(sum(a.residents_n) filter (where {{ age_band('a.age', bands.working) }}), 0) as {{ bands.working.column }},
    coalesce(sum(a.residents_n) filter (where {{ age_band('a.age', bands.retired) }}), 0) as {{ bands.retired.column }}
from {{ ref('bv_population_by_age_monthly') }} as a
group by a.month_end, a.county_code, a.municipality_code
