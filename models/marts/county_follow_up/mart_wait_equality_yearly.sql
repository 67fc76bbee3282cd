-- Published: the cells of dsc_wait_equality_yearly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_wait_equality_yearly')) }}
