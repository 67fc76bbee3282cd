{{ config(indexes=[
    {'columns': ['calendar_date'], 'unique': true},
    {'columns': ['working_day_seq']}
]) }}
-- Every day of the calendar range with Finnish arkipäivä (working day) flags and a running
-- working-day number, so "the n-th working day after a date" is one equality lookup.
-- Arkipäivä = Monday-Friday that is not in ref_fi_holidays (laki 150/1930; Saturdays are not arkipäivä).

with days as (
    select g.day::date as calendar_date
    from {{ virta.series("date '" ~ var('calendar_start') ~ "'", "date '" ~ var('calendar_end') ~ "'", '1 day',
                        alias='g', column='day') }}
),

flagged as (
    select
        days.calendar_date,
        extract(year from days.calendar_date)::integer as calendar_year,
        extract(month from days.calendar_date)::integer as calendar_month,
        extract(isodow from days.calendar_date)::integer as iso_day_of_week,
        h.name_fi as holiday_name_fi,
        h.name_en as holiday_name_en,
        h.holiday_date is not null as is_holiday,
        (extract(isodow from days.calendar_date) <= 5 and h.holiday_date is null) as is_arkipaiva,
        extract(day from days.calendar_date + 1) = 1 as is_month_end
    from days
    left join {{ ref('ref_fi_holidays') }} as h on days.calendar_date = h.holiday_date
)

select
    calendar_date,
    calendar_year,
    calendar_month,
    iso_day_of_week,
    holiday_name_fi,
    holiday_name_en,
    is_holiday,
    is_arkipaiva,
    is_month_end,
    -- arkipäivät up to and including this day
    sum(case when is_arkipaiva then 1 else 0 end) over (order by calendar_date) as working_day_seq
from flagged
