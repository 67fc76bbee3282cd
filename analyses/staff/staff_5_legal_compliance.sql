-- Henkilöstö, lain vaatimukset: vanhuspalvelulaki 980/2012 § 20 sets a minimum staffing ratio for
-- 24-hour care, judged over a three-week monitoring period. The units below it over the three weeks
-- ending with a week, with that week's own ratio and gap; a withheld week of a small unit shows no
-- figures.
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
where w.unit_oid <> 'all' and w.units_judged_n = 1 and w.units_meeting_minimum_n = 0
order by w.week_start desc, w.ratio_gap asc;
