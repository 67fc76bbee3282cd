-- Published: the cells of dsc_cost_per_unit_yearly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_cost_per_unit_yearly')) }}
