<% from '_expressions.sql' import field_expression, derived_expression, rejection %>

{{ config(materialized='table') }}
-- << system.label >>: << table.name >>, typed, pseudonymised and checked once per run, for the batches
-- not yet loaded. Rows with a rejection reason go to audit_quarantine; the rest feed the stage(s).

with delivered as (
    select *
    from {{ source(<< system.name | sql_str >>, << table.name | sql_str >>) }}
    where {{ virta.unloaded_batches(<< table.name | sql_str >>) }}
),

typed as (
    select
        d._batch_id,
        d._loaded_at,
        d._row_no,
<% for f in table.fields.values() %>
        << field_expression(f) >> as << f.name >>,
<% endfor %>
<#- Birth date and sex are part of the identity code: the loader lands them beside its pseudonym where
    the mapping derives them, so a person the population register does not give still has an age. #>
<% for f, part in derived %>
        << derived_expression(f, part) >> as << f.name >>_<< part >>,
<% endfor %>
        -- the latest delivery of a record within a batch wins; earlier ones are duplicates
        row_number() over (
            partition by d._batch_id, << key_columns | join(", ") >>
            order by d._row_no desc
        ) as _delivery_rank,
        d as _d
    from delivered as d
),

checked as (
    select
        t.*,
        case
<% for check in checks %>
            << rejection(check, '(t._d)') >>
<% endfor %>
            when t._delivery_rank > 1 then 'duplicate delivery of the record in the same batch'
        end as _rejection_reason
    from typed as t
)

select
    _batch_id,
    _loaded_at,
    _row_no,
<% for column in out_columns %>
    << column >>,
<% endfor %>
    -- the row as delivered, kept only where the audit shows it (a rejected row, an unknown code)
    case
        when _rejection_reason is not null<% for c in code_fields %> or << c >> = 'unknown'<% endfor %>

            then {{ virta.row_as_json('_d') }}
    end as _raw_row,
    _rejection_reason,
    << system.name | sql_str >>::text as _source_system,
    << table.name | sql_str >>::text as _source_table
from checked
