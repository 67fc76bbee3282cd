{{ config(indexes=[{'columns': ['organisation_unit_hk', 'week_start'], 'unique': true}]) }}
-- Realised staffing ratio (toteutunut henkilöstömitoitus) of each 24-hour care unit per ISO week
-- (Monday to Sunday), and the legal judgement over the three weeks ending with it: vanhuspalvelulaki
-- 980/2012 § 20(3) (565/2020) sets the work input of the counted care staff in direct client work
-- (välitön asiakastyö), as persons, against the unit's clients over a three-week monitoring period.
--
--   counted_hours   = sum over worked shifts of direct-work hours x the title's counting factor in
--                     force on the shift's day (ref_staffing_titles: 1 in full, a unit manager's in
--                     part, 0 for titles that do not count); the title is the HR employment's in force
--                     that day, else the shift-planning system's (agency staff); indirect work and
--                     shifts not worked (an absence) count nothing, nor a shift on a day the unit's
--                     clients were not counted (its hours would be set against no clients)
--   ratio_one_hours = client-days x staff_full_time_week_hours / 7: the hours a ratio of 1.0
--                     (one full-time person per client) would need
--   realised_ratio  = counted_hours / ratio_one_hours (the week's)
--   minimum_client_days = sum over days of clients x the minimum in force that day
--   required_hours  = minimum_client_days x full-time hours / 7
--   meets_minimum_week = the week's counted_hours >= its required_hours
--   meets_minimum   = the same over the three weeks ending with this one (the monitoring period),
--                     judged only when all three are complete weeks (exact: a unit exactly at the
--                     minimum meets it)
-- The week's minimum_ratio is minimum_client_days / client-days: the client-weighted mean of the
-- days' minimums, so a period the minimum changes in is judged by the days on each side. Each ratio
-- is one division of exact sums (a quotient added up or divided again would round on the way).

{%- set week_hours = virta.to_decimal(var('staff_full_time_week_hours')) %}

with census as (
    select
        c.organisation_unit_hk,
        c.county_code,
        c.census_date,
        c.clients_n,
        c.is_imputed,
        m.minimum_ratio
    from {{ ref('bv_unit_census_daily') }} as c
    left join {{ ref('ref_staffing_minimum') }} as m
        on c.census_date >= m.valid_from and (m.valid_to is null or c.census_date <= m.valid_to)
),

census_weeks as (
    select
        organisation_unit_hk,
        max(county_code) as county_code,
        cast(date_trunc('week', census_date) as date) as week_start,
        count(*) as census_days_n,
        count(*) filter (where is_imputed) as imputed_days_n,
        sum(clients_n) as client_days_n,
        max(clients_n) as clients_max_n,
        -- the clients on the week's last counted day: a headcount that adds up over units
        (array_agg(clients_n order by census_date desc))[1] as clients_n,
        sum(clients_n * minimum_ratio) as minimum_client_days,
        -- a day without a minimum in force (before the ladder starts) cannot be judged
        bool_and(minimum_ratio is not null) as has_minimum
    from census
    group by organisation_unit_hk, cast(date_trunc('week', census_date) as date)
),

-- hours count on the days the unit's clients are counted (the ratio sets the two against each
-- other); a shift on a day without a count is left out and counted in uncounted_day_shifts_n
shifts as (
    select
        s.*,
        t.counts_in_ratio,
        t.counting_factor,
        c.census_date is not null as is_counted_day
    from {{ ref('bv_staff_shift') }} as s
    left join {{ ref('ref_staffing_titles') }} as t
        on
            s.title_code = t.title_code
            and s.shift_date >= t.valid_from
            and (t.valid_to is null or s.shift_date <= t.valid_to)
    left join census as c on s.organisation_unit_hk = c.organisation_unit_hk and s.shift_date = c.census_date
    where s.organisation_unit_hk is not null
),

shift_weeks as (
    select
        organisation_unit_hk,
        max(county_code) as county_code,
        cast(date_trunc('week', shift_date) as date) as week_start,
        coalesce(
            sum(direct_hours * counting_factor) filter (where is_worked and counts_in_ratio and is_counted_day), 0
        ) as counted_hours,
        coalesce(sum(direct_hours) filter (where is_worked), 0) as direct_hours,
        coalesce(sum(indirect_hours) filter (where is_worked), 0) as indirect_hours,
        coalesce(
            sum(coalesce(direct_hours, 0) + coalesce(indirect_hours, 0)) filter (
                where is_worked and staff_group = 'agency'
            ),
            0
        ) as agency_hours,
        count(distinct employee_hk) filter (where is_worked) as staff_n,
        -- the people whose hours make up counted_hours (the magnitude rule's contributors)
        count(distinct employee_hk) filter (
            where is_worked and counts_in_ratio and is_counted_day and direct_hours * counting_factor > 0
        ) as counting_staff_n,
        count(*) filter (where is_worked) as worked_shifts_n,
        count(*) filter (where is_absent) as absent_shifts_n,
        count(*) filter (where not is_worked and not is_absent) as planned_shifts_n,
        -- worked shifts of an employee whose title the rules do not know (an unknown code, an
        -- employee row not delivered or quarantined): not counted, but counted here
        count(*) filter (where is_worked and counts_in_ratio is null) as unknown_title_shifts_n,
        count(*) filter (where is_worked and not is_counted_day) as uncounted_day_shifts_n
    from shifts
    group by organisation_unit_hk, cast(date_trunc('week', shift_date) as date)
),

weeks as (
    select
        coalesce(c.organisation_unit_hk, s.organisation_unit_hk) as organisation_unit_hk,
        coalesce(c.county_code, s.county_code) as county_code,
        coalesce(c.week_start, s.week_start) as week_start,
        coalesce(c.census_days_n, 0) as census_days_n,
        coalesce(c.imputed_days_n, 0) as imputed_days_n,
        coalesce(c.client_days_n, 0) as client_days_n,
        c.clients_n,
        c.clients_max_n,
        c.client_days_n * {{ week_hours }} / 7 as ratio_one_hours,
        case when c.has_minimum then c.minimum_client_days end as minimum_client_days,
        case when c.has_minimum then c.minimum_client_days * {{ week_hours }} / 7 end as required_hours,
        coalesce(s.counted_hours, 0) as counted_hours,
        coalesce(s.direct_hours, 0) as direct_hours,
        coalesce(s.indirect_hours, 0) as indirect_hours,
        coalesce(s.agency_hours, 0) as agency_hours,
        coalesce(s.staff_n, 0) as staff_n,
        coalesce(s.counting_staff_n, 0) as counting_staff_n,
        coalesce(s.worked_shifts_n, 0) as worked_shifts_n,
        coalesce(s.absent_shifts_n, 0) as absent_shifts_n,
        coalesce(s.planned_shifts_n, 0) as planned_shifts_n,
        coalesce(s.unknown_title_shifts_n, 0) as unknown_title_shifts_n,
        coalesce(s.uncounted_day_shifts_n, 0) as uncounted_day_shifts_n
    from census_weeks as c
    full outer join shift_weeks as s
        on c.organisation_unit_hk = s.organisation_unit_hk and c.week_start = s.week_start
),

weekly as (
    select
        w.*,
        w.counted_hours * 7 / nullif(w.client_days_n * {{ week_hours }}, 0) as realised_ratio,
        w.minimum_client_days / nullif(w.client_days_n, 0) as minimum_ratio,
        case when w.client_days_n > 0 and w.minimum_client_days is not null then
                w.counted_hours * 7 >= w.minimum_client_days * {{ week_hours }}
        end as meets_minimum_week,
        -- a whole week: every day with a count (its own or carried: imputed_days_n), no shift still
        -- waiting for its realisation, every worked shift's title known to the rules
        w.census_days_n = 7 and w.planned_shifts_n = 0 and w.unknown_title_shifts_n = 0 as is_complete_week
    from weeks as w
),

-- the monitoring period: this week and the two before it
periods as (
    select
        w.*,
        count(*) over three_weeks as period_weeks_n,
        bool_and(w.is_complete_week and w.minimum_client_days is not null) over three_weeks as is_period_complete,
        sum(w.counted_hours) over three_weeks as period_counted_hours,
        sum(w.minimum_client_days) over three_weeks as period_minimum_client_days
    from weekly as w
    window three_weeks as (
        partition by w.organisation_unit_hk order by w.week_start
        range between interval '14 days' preceding and current row
    )
)

select
    p.*,
    case when p.period_weeks_n = 3 and p.is_period_complete then
            p.period_counted_hours * 7 >= p.period_minimum_client_days * {{ week_hours }}
    end as meets_minimum
from periods as p
