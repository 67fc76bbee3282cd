{#- Restricted outputs (schema restricted, stewards only; see scripts/virta/access.py).

    output_id: the id a restricted output shows for a case, keyed by a secret the access setup keeps
    in security.output_id_key (readable by no login role) and different per output. A plain hash of
    a source id could be recomputed from guessed ids (sequential case numbers); this cannot, and two
    outputs' ids cannot be joined. -#}
{% macro output_id(source_id) -%}
    {{ generate_schema_name('security', none) }}.output_id('{{ this.identifier }}', cast({{ source_id }} as {{ dbt.type_string() }}))
{%- endmacro %}

{#- Row-level security: a steward sees the restricted rows of the counties security.steward_scope
    lists for their login ('*' = every county). Forced, so the owner (dbt's role, scope '*') is
    subject to it too; tests/access/assert_restricted_outputs_are_row_secured.sql checks it stays so. -#}
{% macro restrict_to_steward_counties(county_column='county_code') -%}
    {%- set scope = generate_schema_name('security', none) ~ '.steward_scope' -%}
    alter table {{ this }} enable row level security;
    alter table {{ this }} force row level security;
    create policy steward_county on {{ this }} for select using (
        exists (
            select from {{ scope }} as s
            where s.role_name = current_user and (s.county_code = '*' or s.county_code = {{ this }}.{{ county_column }})
        )
    )
{%- endmacro %}
