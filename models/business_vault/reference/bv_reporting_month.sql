-- The months reported: from the month of the time anchor's first day to the month of its as-of date
-- (bv_data_as_of). Month-end cross-sections and monthly series use these.

with bounds as (
    select
        d.first_day,
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
    and c.calendar_date >= (date_trunc('month', b.first_day) + interval '1 month - 1 day')::date
    and date_trunc('month', c.calendar_date) <= date_trunc('month', b.last_day)
