-- The residual-risk report of disclosure control (jäännösriski), one row per published mart: what
-- it is controlled by, the cells withheld, the attack's result, what risk is left, and the
-- county's release decision.
{%- set attacks = none -%}
{%- set pattern_relation = ref('disclosure_pattern') -%}
{#- disclosure_attacks is written by `virta privacy protect`, not by dbt (absent in a unit test) -#}
{%- if execute and pattern_relation.database and pattern_relation.schema -%}
    {%- set attacks = adapter.get_relation(pattern_relation.database, pattern_relation.schema, 'disclosure_attacks') -%}
{%- endif %}
{{ disclosure_report(ref('disclosure_pattern'), attacks, ref('ref_disclosure_release_decisions')) }}
