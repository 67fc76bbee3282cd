-- Palveluun pääsy, lain vaatimukset: per legal clock (SHL § 36 and § 45, lastensuojelulaki § 26,
-- vanhuspalvelulaki § 18), area and year, the share of decided clocks that met the deadline
-- (target 100 %), from the published monthly counts of complete months (months_n of them).
select
    d.area_code,
    d.area_name_en,
    d.clock_type,
    cast(extract(year from d.month) as integer) as year,
    count(distinct d.month) as months_n,
    sum(d.decided_n) as decided_n,
    sum(d.met_n) as met_n,
    round(100.0 * sum(d.met_n) / nullif(sum(d.decided_n), 0), 1) as met_pct
from marts.mart_social_deadlines_monthly as d
where d.service = 'all' and d.is_complete_period and d.met_n is not null and d.decided_n is not null
group by d.area_code, d.area_name_en, d.clock_type, extract(year from d.month)
order by d.clock_type, year, d.area_code;
