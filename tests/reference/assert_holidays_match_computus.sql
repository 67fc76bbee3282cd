-- Cross-check of the holiday seed (from the `holidays` package) against an independent SQL
-- implementation of the rules: Easter by the anonymous Gregorian computus, and the fixed and
-- floating holidays of the domain brief. Returns the days where the two disagree.

with years as (
    select g.y::integer as yr
    from
        {{ virta.series("extract(year from date '" ~ var('calendar_start') ~ "')::integer",
                        "extract(year from date '" ~ var('calendar_end') ~ "')::integer", alias='g', column='y') }}
),

-- Easter Sunday, anonymous Gregorian algorithm (Meeus/Jones/Butcher), one step per CTE
computus as (
    select
        yr,
        yr % 19 as a,
        yr / 100 as b,
        yr % 100 as c
    from years
),

step_h as (
    select
        yr,
        a,
        b,
        c,
        (19 * a + b - b / 4 - (b - (b + 8) / 25 + 1) / 3 + 15) % 30 as h
    from computus
),

step_l as (
    select
        yr,
        a,
        h,
        (32 + 2 * (b % 4) + 2 * (c / 4) - h - (c % 4)) % 7 as l
    from step_h
),

step_m as (
    select
        yr,
        h,
        l,
        (a + 11 * h + 22 * l) / 451 as m
    from step_l
),

easter as (
    select
        yr,
        make_date(yr, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1) as easter_sunday
    from step_m
),

rule_days as (
    select make_date(yr, 1, 1) as holiday_date from years
    union all
    select make_date(yr, 1, 6) from years
    union all
    select easter_sunday - 2 from easter
    union all
    select easter_sunday from easter
    union all
    select easter_sunday + 1 from easter
    union all
    select make_date(yr, 5, 1) from years
    union all
    select easter_sunday + 39 from easter
    union all
    select easter_sunday + 49 from easter
    -- Midsummer Eve: the Friday of 19-25 June; Midsummer Day: the Saturday of 20-26 June
    union all
    select make_date(yr, 6, 19) + (5 - extract(isodow from make_date(yr, 6, 19))::integer + 7) % 7
    from years
    union all
    select make_date(yr, 6, 20) + (6 - extract(isodow from make_date(yr, 6, 20))::integer + 7) % 7
    from years
    -- All Saints' Day: the Saturday of 31 October - 6 November
    union all
    select make_date(yr, 10, 31) + (6 - extract(isodow from make_date(yr, 10, 31))::integer + 7) % 7
    from years
    union all
    select make_date(yr, 12, 6) from years
    union all
    select make_date(yr, 12, 24) from years
    union all
    select make_date(yr, 12, 25) from years
    union all
    select make_date(yr, 12, 26) from years
)

select
    coalesce(r.holiday_date, s.holiday_date) as holiday_date,
    r.holiday_date is not null as in_sql_rules,
    s.holiday_date is not null as in_seed
from rule_days as r
full outer join {{ ref('ref_fi_holidays') }} as s on r.holiday_date = s.holiday_date
where r.holiday_date is null or s.holiday_date is null
