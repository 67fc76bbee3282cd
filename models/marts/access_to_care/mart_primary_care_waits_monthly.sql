-- Published: the cells of dsc_primary_care_waits_monthly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_primary_care_waits_monthly')) }}
