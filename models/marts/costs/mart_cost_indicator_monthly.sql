-- The headline cost indicators as monthly series per county and the whole country, in the shape
-- every use case's series share: net costs per resident in total and for the largest service
-- activities, after the allocation of shared costs. The input of the cost forecast.

with costs as (
    select
        f.county_code,
        f.month,
        f.activity_code,
        f.net_eur
    from {{ ref('fct_costs_monthly') }} as f
    inner join {{ ref('bv_reporting_month') }} as rm on f.month = rm.month
),

residents as (
    {{ residents_by_area_month() }}
),

totals as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        sum(net_eur) as net_eur,
        sum(net_eur) filter (where activity_code = 'ILL-A-1') as health_net_eur,
        sum(net_eur) filter (where activity_code = 'ILL-A-2') as social_net_eur
    from costs
    group by {{ by_county_and_country(['month']) }}
),

series as (
    select
        t.area_code,
        t.area_level,
        t.month,
        m.indicator_id,
        -- money is not a person count: the residents stand behind the figure
        r.residents_n as n,
        m.net_eur / nullif(r.residents_n, 0) as value
    from totals as t
    inner join residents as r on t.area_code = r.area_code and t.month = r.month
    cross join lateral (
        values
        ('cost_net_eur_per_resident', t.net_eur),
        ('cost_health_care_net_eur_per_resident', t.health_net_eur),
        ('cost_social_services_net_eur_per_resident', t.social_net_eur)
    ) as m (indicator_id, net_eur)
)

{{ indicator_series(['series']) }}
