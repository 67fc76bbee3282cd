{{ config(indexes=[{'columns': ['organisation_unit_hk', 'census_date'], 'unique': true}]) }}
-- The daily client count (asiakasmäärä) of each 24-hour care unit, as the unit records it for the
-- staffing ratio, with the unit's OID, name, places and county. One count per unit and day: a
-- count delivered again (corrected) replaces the earlier one. A day without a count (not delivered,
-- or its row quarantined) between the unit's first and last counts takes the latest earlier count,
-- at most staff_census_carry_days back (is_imputed): otherwise the hours worked that day would be set
-- against no clients and the week's ratio overstated.

with census as (
    select * from {{ ref('bv_current_client_census') }}
),

census_unit as (
    {{ current_link('link_census_unit', 'client_census_hk', ['organisation_unit_hk']) }}
),

counts as (
    {{ virta.latest_per_key(
        ['cu.organisation_unit_hk', 'c.census_date', 'c.clients_n'],
        'census as c inner join census_unit as cu on c.client_census_hk = cu.client_census_hk',
        key=['cu.organisation_unit_hk', 'c.census_date'], latest='c.load_datetime desc') }}
),

spans as (
    select
        organisation_unit_hk,
        min(census_date) as first_day,
        max(census_date) as last_day
    from counts
    group by organisation_unit_hk
),

-- every day of each unit's span, each numbered by the counts up to it (a run of missing days shares
-- the number of the count before it)
days as (
    select
        s.organisation_unit_hk,
        d.calendar_date as census_date,
        c.clients_n,
        count(c.clients_n) over (partition by s.organisation_unit_hk order by d.calendar_date) as counted_run
    from spans as s
    inner join {{ ref('bv_calendar') }} as d on d.calendar_date between s.first_day and s.last_day
    left join counts as c on s.organisation_unit_hk = c.organisation_unit_hk and d.calendar_date = c.census_date
),

carried as (
    select
        organisation_unit_hk,
        census_date,
        clients_n is null as is_imputed,
        max(clients_n) over (partition by organisation_unit_hk, counted_run) as clients_n,
        min(census_date) over (partition by organisation_unit_hk, counted_run) as counted_on
    from days
),

units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'titania'
)

select
    c.organisation_unit_hk,
    h.unit_oid,
    u.unit_name,
    u.unit_type,
    u.places,
    u.county_code,
    c.census_date,
    c.clients_n,
    c.is_imputed
from carried as c
inner join {{ ref('hub_organisation_unit') }} as h on c.organisation_unit_hk = h.organisation_unit_hk
left join units as u on c.organisation_unit_hk = u.organisation_unit_hk
where {{ virta.days_between('c.counted_on', 'c.census_date') }} <= {{ var('staff_census_carry_days') }}
