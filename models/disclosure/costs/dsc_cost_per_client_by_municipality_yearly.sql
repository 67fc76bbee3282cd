-- Euroa per asiakas kunnittain (euros per client by home municipality): per county, the home
-- municipality (kotikunta) of its service users at the year's last reporting month end (and all
-- municipalities) and year, the people who used the county's services, the net cost of their
-- services after the allocation of shared costs (bv_person_cost_monthly: each service-month's cost
-- by activity share), euros per client, and clients and euros per resident of the municipality.
-- Unlike mart_costs_by_municipality_yearly (costs booked on cost centres serving a municipality),
-- the municipality here is the client's, so the county's shared and county-wide services count too.

{%- set per = var('service_users_rate_base') %}

with year_ends as (
    {{ year_end_month_ends() }}
),

client_costs as (
    select
        c.county_code,
        extract(year from c.month)::integer as year,
        c.person_hk,
        sum(c.net_eur) as net_eur
    from {{ ref('bv_person_cost_monthly') }} as c
    inner join {{ ref('bv_reporting_month') }} as rm on c.month = rm.month
    group by c.county_code, extract(year from c.month), c.person_hk
),

placed as (
    select
        c.county_code,
        c.year,
        c.person_hk,
        c.net_eur,
        -- 'unknown' for a client the population register does not place (not a resident)
        coalesce(r.municipality_code, 'unknown') as municipality_code
    from client_costs as c
    inner join year_ends as y on c.year = extract(year from y.month_end)::integer
    left join {{ ref('bv_person_residence') }} as r
        on c.person_hk = r.person_hk and y.month_end between r.valid_from and r.valid_to
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        {{ or_all('municipality_code') }} as municipality_code,
        -- a person who used services in two counties is one client of the total
        count(distinct person_hk) as clients_n,
        sum(net_eur) as net_eur
    from placed
    group by grouping sets ((county_code, year, municipality_code), (county_code, year), (year))
),

residents as (
    select
        p.county_code,
        extract(year from p.month_end)::integer as year,
        p.municipality_code,
        sum(p.residents_n) as residents_n
    from {{ ref('bv_population_monthly') }} as p
    inner join year_ends as y on p.month_end = y.month_end
    group by p.county_code, extract(year from p.month_end), p.municipality_code
),

area_residents as (
    select
        {{ area_code() }} as area_code,
        year,
        {{ or_all('municipality_code') }} as municipality_code,
        sum(residents_n) as residents_n
    from residents
    group by grouping sets ((county_code, year, municipality_code), (county_code, year), (year))
),

months as (
    {{ reporting_months_by_year() }}
)

select
    c.area_code,
    c.area_level,
    c.municipality_code,
    -- the rows over every municipality and of clients with no known one are named too
    case c.municipality_code
        when 'all' then 'kaikki kunnat' when 'unknown' then 'kotikunta tuntematon' else m.area_name_fi
    end as municipality_name_fi,
    case c.municipality_code
        when 'all' then 'alla kommuner' when 'unknown' then 'hemkommun okänd' else m.area_name_sv
    end as municipality_name_sv,
    c.year,
    n.months_n,
    {{ is_full_year('c.year') }} as is_full_year,
    c.clients_n,
    round(c.net_eur, 2) as net_eur,
    round(c.net_eur / nullif(c.clients_n, 0), 2) as eur_per_client,
    r.residents_n,
    round({{ per }}.0 * c.clients_n / nullif(r.residents_n, 0), 1) as clients_per_{{ per }},
    round(c.net_eur / nullif(r.residents_n, 0), 2) as net_eur_per_resident
from cells as c
left join area_residents as r
    on c.area_code = r.area_code and c.year = r.year and c.municipality_code = r.municipality_code
left join months as n on c.year = n.year
{{ area_join('c.municipality_code', alias='m') }}
