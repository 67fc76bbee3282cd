-- Palveluun pääsy, kehitys: the half-year table of vanhuspalvelulaki § 26 per area and service,
-- mean days from initiation to the start of the service, and the change from the half year before.
select
    h.area_code,
    h.area_name_en,
    h.half_year,
    h.case_group,
    h.service,
    h.started_n,
    h.days_initiation_to_decision_mean,
    h.days_decision_to_start_mean,
    h.days_initiation_to_start_mean,
    h.days_initiation_to_start_mean - p.days_initiation_to_start_mean as change_from_half_year_before,
    h.is_complete_period
from marts.mart_social_service_waits_half_year as h
left join marts.mart_social_service_waits_half_year as p
    on
        h.area_code = p.area_code and h.service = p.service and h.case_group = p.case_group
        and p.period_end = h.period_start - 1
where h.started_n is not null
order by h.case_group, h.service, h.area_code, h.period_start;
