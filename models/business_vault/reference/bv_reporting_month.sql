-- The months reported: from the first whole month on or after the time anchor's first day to the
-- month of its as-of date (bv_data_as_of). A month the deliveries cover only from its middle is not
-- reported (its flows would be partial yet final); the last month is partial while the as-of date
-- lies inside it. Month-end cross-sections and monthly series use these.

with bounds as (
    select
        -- the first day of the first whole month: the first day itself when it is a month's first
        date_trunc('month', d.first_day - interval '1 day') + interval '1 month' as first_month,
        d.as_of_date as last_day
    from {{ ref('bv_data_as_of') }} as d
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
    and date_trunc('month', c.calendar_date) >= b.first_month
    and date_trunc('month', c.calendar_date) <= date_trunc('month', b.last_day)
