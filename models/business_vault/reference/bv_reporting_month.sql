-- The months the loaded data covers completely: from the first month in which contacts arrive and
-- referrals close (earlier history is not in the first delivery: a referral closed before it was
-- never sent) to the month of the data's as-of date (bv_data_as_of). Month-end cross-sections and
-- monthly series use these.

with bounds as (
    select
        greatest(
            (select min(a.contacted_at)::date from {{ ref('bv_primary_care_assessment') }} as a),
            (select min(r.closed_on) from {{ ref('bv_specialised_care_referral') }} as r)
        ) as first_day,
        -- the data's as-of date: no month after it, and its own month only as far as it goes
        (select d.as_of_date from {{ ref('bv_data_as_of') }} as d) as last_day
)

select
    c.calendar_date as month_end,
    date_trunc('month', c.calendar_date)::date as month,
    -- the last covered month may be partial: flows are complete, cross-sections are as of last_day
    (c.calendar_date > b.last_day) as is_partial
from {{ ref('bv_calendar') }} as c
cross join bounds as b
where
    c.is_month_end
    and c.calendar_date >= (date_trunc('month', b.first_day) + interval '1 month - 1 day')::date
    and date_trunc('month', c.calendar_date) <= date_trunc('month', b.last_day)
