{#- Which primary-care visits THL counts waits for (Avohilmo): realised (completed), non-urgent,
    preceded by a need assessment whose time is known, not deleted in the source, with a known county.
    A visit of unknown age is counted (in age group 'unknown'), never dropped. One definition for
    every mart that counts waits. -#}
{% macro is_counted_wait_visit(alias) -%}
    {{ is_counted_assessed_visit(alias) }}
    and {{ alias }}.urgency = 'non_urgent'
{%- endmacro %}

{#- Which visits the urgency breakdown counts: realised, not deleted, after a recorded need
    assessment, with a known county; urgent and non-urgent alike (the non-urgent are the waits'). -#}
{% macro is_counted_assessed_visit(alias) -%}
    {{ alias }}.visit_status = 'completed'
    and not {{ alias }}.is_deleted
    and {{ alias }}.assessed_at is not null
    and {{ alias }}.county_code is not null
{%- endmacro %}

{#- Which visits the coverage of the need assessment counts: realised, not deleted, not urgent
    (a visit booked without an assessment has no recorded urgency and counts as non-urgent), with a
    known county and service line. -#}
{% macro is_counted_coverage_visit(alias) -%}
    {{ alias }}.visit_status = 'completed'
    and not {{ alias }}.is_deleted
    and {{ alias }}.urgency is distinct from 'urgent'
    and {{ alias }}.county_code is not null
    and {{ alias }}.service_line is not null
{%- endmacro %}
