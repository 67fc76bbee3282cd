-- Välitön yhteys (contact with the health centre by phone): what became of the calls to the
-- general-practice and oral-care lines, and the share of office-hours calls that reached a
-- professional the same day (answered in the queue, or a call-back that got through), per county and
-- for all counties together, month of the call and service line (each also 'all'), with the county's
-- rank. The same day is the deadline in force since 2023-09-01 (TTHL § 51 as amended by 117/2023);
-- before, "immediately", which a day's count can only bound from above.

with calls as (
    select
        c.county_code,
        date_trunc('month', c.called_at)::date as month,
        coalesce(c.service_line, 'unknown') as service_line,
        c.call_outcome,
        c.callback_result,
        c.callback_at,
        c.called_on,
        c.answer_wait_seconds,
        c.callback_delay_minutes,
        c.rule_id,
        c.deadline_status
    from {{ ref('bv_phone_call') }} as c
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', c.called_at)::date = rm.month
    where c.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        {{ or_all('service_line') }} as service_line,
        count(*) as calls_n,
        count(*) filter (where call_outcome = 'answered') as answered_n,
        count(*) filter (where call_outcome = 'callback') as callback_n,
        count(*) filter (where call_outcome = 'abandoned') as abandoned_n,
        -- office-hours calls a contact rule judges, whose outcome is known
        count(*) filter (where deadline_status in ('met', 'late')) as judged_n,
        count(*) filter (where deadline_status = 'met') as reached_same_day_n,
        -- office-hours call-backs still to be made: the month is provisional while there are any
        count(*) filter (where deadline_status = 'open') as open_n,
        count(*) filter (where callback_result is not null) as callbacks_made_n,
        count(*) filter (where callback_result is not null and callback_at::date > called_on) as callbacks_next_day_n,
        count(*) filter (where callback_result = 'not_reached') as callbacks_not_reached_n,
        percentile_cont(0.5) within group (order by answer_wait_seconds) as answer_wait_seconds_median,
        percentile_cont(0.5) within group (order by callback_delay_minutes) as callback_delay_minutes_median
    from calls
    group by {{ by_area_with_totals(['month'], ['service_line']) }}
),

measured as (
    select
        *,
        {{ pct('reached_same_day_n', 'judged_n') }} as reached_same_day_pct,
        {{ pct('callbacks_made_n - callbacks_next_day_n', 'callbacks_made_n') }} as callback_same_day_pct
    from cells
)

select
    area_code,
    area_level,
    month,
    service_line,
    calls_n,
    answered_n,
    callback_n,
    abandoned_n,
    judged_n,
    reached_same_day_n,
    open_n,
    reached_same_day_pct,
    {{ virta.round_to('answer_wait_seconds_median', 0) }} as answer_wait_seconds_median,
    callbacks_made_n,
    callbacks_next_day_n,
    callbacks_not_reached_n,
    callback_same_day_pct,
    {{ virta.round_to('callback_delay_minutes_median', 0) }} as callback_delay_minutes_median,
    {{ is_final_month('month', 'open_n') }} as is_final
from measured
