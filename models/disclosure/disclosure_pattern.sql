-- The suppression pattern: which cells of the published tables are withheld and why
-- (below_threshold, magnitude, withheld_earlier, attack_complement, secondary, month_withheld,
-- population_withheld). Published marts
-- read it. It reads disclosure_releases, the earlier releases, without a ref: that table is built
-- from this one (after it), so a ref would be a cycle; on the first build it does not exist yet.
-- It also reads disclosure_patches, the cells `virta privacy protect` withheld so that the exact
-- attack recovers nothing (written by that step, not by dbt).
{%- set releases, patches = none, none -%}
{%- if execute and var('disclosure_remember_releases') -%}
    {%- set releases = adapter.get_relation(this.database, this.schema, 'disclosure_releases') -%}
    {%- set patches = adapter.get_relation(this.database, this.schema, 'disclosure_patches') -%}
{%- endif %}
{{ disclosure_pattern_build(ref('disclosure_cells'), ref('disclosure_equations'), var('disclosure_passes'), releases,
    patches) }}
