-- Published: the cells of dsc_primary_care_phone_contact_monthly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_primary_care_phone_contact_monthly')) }}
