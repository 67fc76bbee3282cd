<#- Expressions the checked-table template builds its typed row and rejection reasons from. -#>
<%- macro field_expression(f, raw='d') -%>
<%- set col = raw ~ '.' ~ f.source_column -%>
<%- if f.type == 'text' -%>
nullif(trim(<< col >>), '')
<%- elif f.type == 'integer' -%>
{{ virta.try_integer('<< col >>') }}
<%- elif f.type == 'decimal' -%>
{{ virta.try_decimal('<< col >>', decimal_comma=<< (f.format == 'comma') | py >>) }}
<%- elif f.type == 'date' -%>
{{ virta.try_date('<< col >>', "<< f.format | sql_str >>") }}
<%- elif f.type == 'timestamp' -%>
{{ virta.try_timestamp('<< col >>', "<< f.format | sql_str >>") }}
<%- elif f.type == 'hetu' -%>
<#- the loader landed the keyed pseudonym and its validity, never the code -#>
case when << col >>_valid = 'true' then << col >>_pseudonym end
<%- elif f.type == 'code' -%>
<#- unknown source codes are kept as 'unknown' (counted in audit_unknown_codes), not dropped -#>
case upper(nullif(trim(<< col >>), ''))
<% for src, dst in f.code_map.items() | sort %>
            when << src | upper | sql_str >> then << dst | sql_str >>
<% endfor %>
            else case when nullif(trim(<< col >>), '') is not null then 'unknown' end
        end
<%- endif -%>
<%- endmacro -%>

<#- A part of the identity code (birth date, sex) the loader derived; only for a valid code. -#>
<%- macro derived_expression(f, part, raw='d') -%>
<%- set col = raw ~ '.' ~ f.source_column ~ '_' ~ part -%>
case when << raw >>.<< f.source_column >>_valid = 'true' then
<%- if part == 'birth_date' %> {{ virta.try_date('<< col >>', "'YYYY-MM-DD'") }}
<%- else %> nullif(trim(<< col >>), '')
<%- endif %> end
<%- endmacro -%>

<#- The CASE branch of one rejection reason (plan.rejection_checks), over the raw row `raw` and the
    typed row t; the first that matches names the reason. -#>
<%- macro rejection(check, raw) -%>
<%- set col = raw ~ '.' ~ check.get('column', '') -%>
<%- if check.kind == 'missing_key' -%>
when nullif(trim(<< col >>), '') is null then 'missing record key << check.key >>'
<%- elif check.kind == 'missing_identity_code' -%>
when << col >>_pseudonym is null then 'missing identity code in << check.column >>'
<%- elif check.kind == 'invalid_identity_code' -%>
when << col >>_valid is distinct from 'true' then 'invalid identity code in << check.column >>'
<%- elif check.kind == 'missing_required' -%>
when nullif(trim(<< col >>), '') is null then 'missing required << check.column >>'
<%- elif check.kind == 'unparseable' -%>
when nullif(trim(<< col >>), '') is not null and t.<< check.field >> is null then 'unparseable << check.type >> in << check.column >>'
<%- elif check.kind == 'future' -%>
<#- an event cannot have happened after the delivery that reports it -#>
when t.<< check.field >> >= t._loaded_at then 'future << check.type >> in << check.column >>'
<%- elif check.kind == 'row_check' -%>
when << check.when >> then << check.reason | sql_str >>
<%- endif -%>
<%- endmacro -%>
