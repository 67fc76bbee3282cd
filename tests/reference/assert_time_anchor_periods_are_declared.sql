-- The time anchor's first day comes from the periods the deliveries declare (bv_data_as_of). A
-- batch of an event system registered without one (loaded before the batch register held periods)
-- would let a later delivery's period cut the history off unnoticed: without the reporting_start
-- var, each such batch fails this test. Set reporting_start to the first day to report.

select
    b.batch_id,
    b.source_system,
    b.delivered_on
from {{ source('batch_register', '_batches') }} as b
inner join {{ ref('bv_source_systems') }} as s on b.source_system = s.source_system and s.bounds_reporting
where b.period_start is null and {{ 'true' if not var('reporting_start') else 'false' }}
