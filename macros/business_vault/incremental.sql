{#- Business-vault tables kept incrementally: each run recomputes only the keys whose inputs changed
    since the table was last refreshed, and replaces those keys' rows whole.

    - Every row carries `_refreshed_at`: when it was computed (the build's transaction time). The
      table's latest is its watermark.
    - A model reads its inputs' news as keys (an `affected` CTE of `affected_key`): raw-vault rows of
      the batches the vault took in after the watermark (`bv_loaded_since_refresh`; the batch log's
      processed_at), or rows of another incremental business-vault table refreshed after it
      (`bv_refreshed_since`), mapped to its own key through the links. Keys only: the rows are
      recomputed by the model's one SQL, so a partial run and a full build share every rule. A
      table refreshed alone (a selected or excluded build, a Dagster subset) is news downstream too.
    - `bv_replace_keys_select` ends the model: on an incremental run, a row per recomputed row and a
      marker row for an affected key that now has none (say, a referral cancelled before any clock
      ran), so the `replace_keys` strategy deletes every affected key's old rows and inserts the new.
    - A full rebuild: the first build, `--full-refresh`, and `--vars 'rebuild_business_vault: true'`,
      which `virta run`, `virta daily` and the Dagster job pass when the code (models, macros, seeds)
      changed since the warehouse's last complete build: a kept row was computed by the old rules.
      So do by hand after changing a rule var (say, deadline_roll_to_working_day) on the command line.

    A back-dated load time only widens what is recomputed (every row loaded since the earliest load
    time of the news). Builds of one warehouse do not overlap (the run lock of virta run, virta daily
    and the Dagster job). -#}

{#- The model config of an incremental business-vault table replacing the rows of `key`; it also
    declares the batch log, which only the incremental run reads. -#}
{% macro bv_incremental_config(key, indexes=[]) -%}
    {%- do ref('audit_batch_log') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='replace_keys',
        replace_key=key,
        full_refresh=(true if var('rebuild_business_vault', false) else none),
        indexes=indexes + [{'columns': ['_refreshed_at']}]
    ) }}
{%- endmacro %}

{#- This table's watermark, as a SQL literal: when its newest rows were computed ('-infinity' for an
    empty table). Read when the model runs and written into its SQL, like the load time below, so
    the planner estimates a day's news from the statistics instead of guessing a third of a table. -#}
{% macro bv_watermark() -%}
    {%- if execute and is_incremental() -%}
        {%- if '_refreshed_at' not in adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
            {{ exceptions.raise_compiler_error(this ~ " was built before it was kept incrementally: rebuild it "
                ~ "once with --vars '{rebuild_business_vault: true}' (virta run and virta daily do so when "
                ~ "the code changed)") }}
        {%- endif -%}
        {%- set found = run_query("select cast(coalesce(max(w._refreshed_at), '-infinity') as "
            ~ dbt.type_string() ~ ") from " ~ this ~ " as w") -%}
        {{- return("'" ~ found.columns[0].values()[0] ~ "'::timestamptz") -}}
    {%- endif -%}
    {{- return("'-infinity'::timestamptz") -}}
{%- endmacro %}

{#- A raw-vault row (its load time column `ldts`) of a batch the vault took in after this table's
    watermark: at or after the earliest load time of those batches (none: no row). -#}
{% macro bv_loaded_since_refresh(ldts) -%}
    {%- set since = none -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query('select cast(min(b.delivered_at) as ' ~ dbt.type_string() ~ ') from '
            ~ ref('audit_batch_log') ~ ' as b where b.processed_at > ' ~ virta.bv_watermark()) -%}
        {%- set since = found.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if since is none -%}
        false
    {%- else -%}
        {{ ldts }} >= '{{ since }}'::timestamptz
    {%- endif -%}
{%- endmacro %}

{#- The keys (`key`) of current-state view `view` (a model name) whose current row changed since this
    table's watermark: the keys with a satellite row loaded since, read from the satellites the view
    is built on (its parents in dbt's graph), not from the view, which would find each key's latest
    row in every satellite first. -#}
{% macro bv_changed_in_current(view, key) -%}
    {%- if execute -%}
        {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ view] -%}
        {%- for parent in node.depends_on.nodes %}
            {%- set sat = graph.nodes[parent] %}
    select s.{{ key }}
    from {{ api.Relation.create(database=sat.database, schema=sat.schema, identifier=sat.alias) }} as s
    where {{ virta.bv_loaded_since_refresh('s.load_datetime') }}
            {%- if not loop.last %}
    union{% endif %}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- The keys (`key`) of the rows of link (or effectivity satellite) `relation` loaded since this
    table's watermark, and, with `via`, those whose `via` key is among the keys query `changed`
    returns (a person or unit whose row changed): as separate branches of a union, so each is
    estimated from its own statistics. -#}
{% macro bv_link_news(relation, key, via=none, changed=none) -%}
    select l.{{ key }} from {{ relation }} as l
    where {{ virta.bv_loaded_since_refresh('l.load_datetime') }}
    {%- if via %}
    union
    select l.{{ key }} from {{ relation }} as l
    where l.{{ via }} in ({{ changed }})
    {%- endif %}
{%- endmacro %}

{#- The people whose bv_person row was refreshed since this table's watermark (a keys query). -#}
{% macro bv_changed_people() -%}
    select p.person_hk from {{ ref('bv_person') }} as p where {{ virta.bv_refreshed_since('p') }}
{%- endmacro %}

{#- The organisation units whose current row changed since this table's watermark (a keys query). -#}
{% macro bv_changed_units() -%}
    {{ virta.bv_changed_in_current('bv_current_organisation_unit', 'organisation_unit_hk') }}
{%- endmacro %}

{#- A row of another incremental business-vault table (alias `alias`) refreshed after this table's watermark. -#}
{% macro bv_refreshed_since(alias) -%}
    {{ alias }}._refreshed_at > {{ virta.bv_watermark() }}
{%- endmacro %}

{#- Whether `column` holds an affected key (always true on a full build): a hashed semi-join, for
    tables read whole. -#}
{% macro bv_is_affected(column) -%}
    {%- if is_incremental() -%}
        {{ column }} in (select a.affected_key from affected as a)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` (a current-state view or a table indexed on `key`) for the affected keys,
    or for the keys query `keys` returns, as a FROM item: looked up key by key (a lateral join), so
    the key reaches each satellite's index through a view's union and DISTINCT ON, and a day's few
    keys do not sort every satellite. The whole relation on a full build. -#}
{% macro bv_affected_rows(relation, key, keys='select a.affected_key from affected as a') -%}
    {%- if is_incremental() -%}
        (
            select r.*
            from (select distinct k.* from ({{ keys }}) as k) as k ({{ key }})
            cross join lateral (
                -- offset 0: kept a subquery, so the key is pushed into the view, not joined to it
                select v.* from {{ relation }} as v where v.{{ key }} = k.{{ key }} offset 0
            ) as r
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The model's last select: the rows of CTE `final`, stamped with when they were computed, and on
    an incremental run a marker row (every column null but `_replaced_key`) for each affected key
    whose rows are gone. -#}
{% macro bv_replace_keys_select(final, key) -%}
    {%- if is_incremental() %}
select
    f.*,
    now() as _refreshed_at,
    a.affected_key as _replaced_key
from (select distinct k.affected_key from affected as k) as a
left join {{ final }} as f on a.affected_key = f.{{ key }}
    {%- else %}
select
    f.*,
    now() as _refreshed_at
from {{ final }} as f
    {%- endif %}
{%- endmacro %}

{#- dbt incremental strategy `replace_keys` (config `replace_key`): delete every row of a key the run
    recomputed, insert its new rows (a marker row of a key that has none inserts nothing). -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set key = config.require('replace_key') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ key }} in (select r._replaced_key from {{ arg_dict['temp_relation'] }} as r);

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
    where {{ key }} is not null
{%- endmacro %}
