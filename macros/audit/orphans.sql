{#- Records of `child` whose `parent` (named through `link`) is known only by its key: no row of the
    parent in any of its satellites `sats`. `key` is the parent hub's business key. -#}
{% macro orphans_of(child, parent, key, link, sats) -%}
    select
        '{{ child }}' as child_concept,
        l.{{ child }}_hk as child_hk,
        '{{ parent }}' as parent_concept,
        l.{{ parent }}_hk as parent_hk,
        h.{{ key }} as parent_key
    from {{ ref(link) }} as l
    inner join {{ ref('hub_' ~ parent) }} as h on l.{{ parent }}_hk = h.{{ parent }}_hk
    where
        {%- for sat in sats %}
        not exists (select 1 from {{ ref(sat) }} as s where s.{{ parent }}_hk = l.{{ parent }}_hk)
        {{- ' and' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- Keys of quarantined rows of the raw tables `tables` ((table, key column) pairs): the source key as
    delivered, without the record-source prefix the hub keys carry. -#}
{% macro quarantined_keys(tables) -%}
    {%- for table, column in tables %}
    select
        q.source_table,
        {{ virta.json_text('q.original_row', "'" ~ column ~ "'") }} as source_key
    from {{ ref('audit_quarantine') }} as q
    where q.source_table = '{{ table }}'
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
