-- Published: the cells of dsc_service_users_yearly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_service_users_yearly')) }}
