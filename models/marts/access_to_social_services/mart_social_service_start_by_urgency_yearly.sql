-- Published: the cells of dsc_social_service_start_by_urgency_yearly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_social_service_start_by_urgency_yearly')) }}
