
-- The source systems the mappings declare (concept_model/sources): whether the period their
-- deliveries cover bounds the months reported (bv_data_as_of), and their delivery cadence.

select
    s.source_system,
    s.record_source,
    s.bounds_reporting,
    s.warn_after_days,
    s.error_after_days
from (
    values
<% for s in systems %>
    (<< s.name | sql_str >>, << s.record_source | sql_str >>, << 'true' if s.bounds_reporting else 'false' >>, << s.warn_after_days or 'null' >>, << s.error_after_days or 'null' >>)<< ',' if not loop.last >>
<% endfor %>
) as s (source_system, record_source, bounds_reporting, warn_after_days, error_after_days)
