-- Published: the cells of dsc_joint_social_health_clients_yearly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_joint_social_health_clients_yearly')) }}
