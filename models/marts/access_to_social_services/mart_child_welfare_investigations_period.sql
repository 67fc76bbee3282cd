-- Published: the cells of dsc_child_welfare_investigations_period after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_child_welfare_investigations_period')) }}
