{#- Relations renamed since a county's warehouse first built them (var 'renamed_relations': schema ->
    old name -> new name). Run on every dbt invocation before anything builds (on-run-start): an
    old table is renamed, with its rows, indexes and grants, when the new one does not exist yet, so
    an incremental vault table keeps its history instead of being rebuilt empty under the new name. -#}
{% macro migrate_renamed_relations() -%}
    {%- if execute -%}
        {%- for schema, renamed in var('renamed_relations', {}).items() -%}
            {%- set schema_name = generate_schema_name(schema, none) | trim -%}
            {%- for old, new in renamed.items() -%}
                {%- set found = adapter.get_relation(database=target.database, schema=schema_name, identifier=old) -%}
                {%- set target_exists = adapter.get_relation(database=target.database, schema=schema_name,
                                                             identifier=new) -%}
                {%- if found is not none and target_exists is none -%}
                    {%- do adapter.rename_relation(found, found.incorporate(path={'identifier': new})) -%}
                    {%- do log('renamed ' ~ schema_name ~ '.' ~ old ~ ' to ' ~ new, info=true) -%}
                {%- elif found is not none -%}
                    {{ exceptions.raise_compiler_error(schema_name ~ '.' ~ old ~ ' and its new name ' ~ new
                        ~ ' both exist: keep the one with the history and drop the other') }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
