{{ virta.bv_incremental_config('person_hk', indexes=[{'columns': ['person_hk'], 'unique': true}]) }}
-- One row per person (henkilö) of the person hub with the attributes every use case asks: birth
-- date and sex from the population register, or from the identity code when the register does not
-- give the person (a quarantined or missing register row), and the register's current home
-- municipality, mother tongue and date of death. The one place business rules read people from.

with
{%- if is_incremental() %}
-- people new to the hub, or with a new register or identity-code row, since the last refresh
affected as (
    select h.person_hk as affected_key from {{ ref('hub_person') }} as h
    where {{ virta.bv_loaded_since_refresh('h.load_datetime') }}
    union
    {{ virta.bv_changed_in_current('bv_current_person', 'person_hk') }}
    union
    select c.person_hk from {{ ref('sat_person_identity_code') }} as c
    where {{ virta.bv_loaded_since_refresh('c.load_datetime') }}
),
{%- endif %}

register as (
    select * from {{ ref('bv_current_person') }}
),

final as (
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
    where {{ virta.bv_is_affected('h.person_hk') }}
)

{{ virta.bv_replace_keys_select('final', 'person_hk') }}
