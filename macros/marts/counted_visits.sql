{#- Which primary-care visits THL counts waits for (Avohilmo): realised (completed), non-urgent,
    preceded by a need assessment, not deleted in the source, with a known county and age. One
    definition for every mart that counts waits. -#}
{% macro is_counted_wait_visit(alias) -%}
    {{ alias }}.visit_status = 'completed'
    and not {{ alias }}.is_deleted
    and {{ alias }}.urgency = 'non_urgent'
    and {{ alias }}.assessed_at is not null
    and {{ alias }}.county_code is not null
    and {{ alias }}.age_at_assessment is not null
{%- endmacro %}
