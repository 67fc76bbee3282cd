{{ config(indexes=[{'columns': ['person_hk'], 'unique': true}]) }}
-- One row per person (henkilö) of the person hub with the attributes every use case asks: birth
-- date and sex from the population register, or from the identity code when the register does not
-- give the person (a quarantined or missing register row), and the register's current home
-- municipality, mother tongue and date of death. The one place business rules read people from.

with register as (
    select * from {{ ref('bv_current_person') }}
)

select
    h.person_hk,
    coalesce(r.birth_date, c.birth_date) as birth_date,
    coalesce(r.sex, c.sex) as sex,
    case
        when r.birth_date is not null then 'population_register'
        when c.birth_date is not null then 'identity_code'
    end as birth_date_source,
    (r.person_hk is not null) as is_in_population_register,
    r.municipality_code as home_municipality_code,
    r.municipality_since as home_municipality_since,
    r.language,
    r.death_date
from {{ ref('hub_person') }} as h
left join register as r on h.person_hk = r.person_hk
left join {{ ref('sat_person_identity_code') }} as c on h.person_hk = c.person_hk
