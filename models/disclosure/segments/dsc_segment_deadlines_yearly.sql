-- Määräajat asiakassegmenteittäin (legal deadlines by customer segment): per county and for all
-- counties together, year of the clock start, clock type and the segment the person was in in the
-- month the clock started, the clocks a legal deadline covers (bv_deadline_status), those met,
-- late, overdue and open, the share met of those decided, and the median days from start to stop
-- of the clocks that stopped. Clocks whose person is unknown have no segment and are left out.

with clocks as (
    select
        cp.county_code,
        extract(year from d.clock_start_date)::integer as year,
        d.clock_type,
        d.deadline_status,
        {{ virta.days_between('d.clock_start_date', 'd.clock_stop_date') }} as days_to_stop,
        s.segment_code,
        s.person_hk
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_clock_person') }} as cp on d.clock_id = cp.clock_id
    inner join {{ ref('bv_reporting_month') }} as rm on cp.clock_start_month = rm.month
    inner join {{ ref('bv_person_segment_monthly') }} as s
        on cp.person_hk = s.person_hk and cp.county_code = s.county_code and cp.clock_start_month = s.month
    where d.rule_id is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        clock_type,
        segment_code,
        count(*) as clocks_n,
        count(*) filter (where deadline_status = 'met') as met_n,
        count(*) filter (where deadline_status = 'late') as late_n,
        count(*) filter (where deadline_status = 'overdue') as overdue_n,
        count(*) filter (where deadline_status = 'open') as open_n,
        percentile_cont(0.5) within group (
            order by days_to_stop
        ) filter (where deadline_status in ('met', 'late')) as days_to_stop_median
    from clocks
    group by {{ by_county_and_total(['year', 'clock_type', 'segment_code']) }}
)

select
    c.area_code,
    c.area_level,
    c.year,
    {{ is_full_year('c.year') }} as is_full_year,
    c.clock_type,
    s.segment_kind,
    c.segment_code,
    s.name_fi as segment_name_fi,
    s.name_en as segment_name_en,
    s.parent_segment_code,
    p.segment_kind as parent_segment_kind,
    c.clocks_n,
    c.met_n,
    c.late_n,
    c.overdue_n,
    c.open_n,
    c.met_n + c.late_n + c.overdue_n as decided_n,
    {{ pct('c.met_n', 'c.met_n + c.late_n + c.overdue_n') }} as met_pct,
    c.met_n + c.late_n as stopped_n,
    round({{ virta.to_decimal('c.days_to_stop_median') }}, 1) as days_to_stop_median
from cells as c
inner join {{ ref('ref_customer_segments') }} as s on c.segment_code = s.segment_code
left join {{ ref('ref_customer_segments') }} as p on s.parent_segment_code = p.segment_code
