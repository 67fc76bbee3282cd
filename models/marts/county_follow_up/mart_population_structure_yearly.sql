-- Published: the cells of dsc_population_structure_yearly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_population_structure_yearly')) }}
