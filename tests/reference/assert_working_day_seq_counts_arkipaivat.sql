-- working_day_seq numbers the arkipäivät: it rises by one on each arkipäivä and stays put on every
-- other day, so "the n-th arkipäivä after a date" (macros/calendar/day_counting.sql) is a difference of
-- numbers. Fails with the days where it does not.

with ordered as (
    select
        c.calendar_date,
        c.is_arkipaiva,
        c.working_day_seq,
        lag(c.working_day_seq) over (order by c.calendar_date) as previous_seq
    from {{ ref('bv_calendar') }} as c
)

select
    o.calendar_date,
    o.is_arkipaiva,
    o.previous_seq,
    o.working_day_seq
from ordered as o
where
    o.previous_seq is not null
    and o.working_day_seq <> o.previous_seq + case when o.is_arkipaiva then 1 else 0 end
