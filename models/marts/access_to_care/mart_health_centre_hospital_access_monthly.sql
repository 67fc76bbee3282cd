-- Published: the cells of dsc_health_centre_hospital_access_monthly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_health_centre_hospital_access_monthly')) }}
