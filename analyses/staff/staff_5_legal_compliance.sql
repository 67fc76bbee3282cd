-- Henkilöstö, lain vaatimukset: vanhuspalvelulaki 980/2012 § 20 sets a minimum staffing ratio for
-- 24-hour care. The units below it, week by week, with how far below (ratio_gap); a withheld week of
-- a small unit shows no figures.
select
    w.area_code,
    w.area_name_en,
    w.unit_oid,
    w.unit_name,
    w.week_start,
    w.realised_ratio,
    w.minimum_ratio,
    w.ratio_gap
from marts.mart_staffing_ratio_weekly as w
where w.unit_oid <> 'all' and w.is_complete_period and w.ratio_gap < 0
order by w.week_start desc, w.ratio_gap asc;
