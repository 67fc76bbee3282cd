-- Published: the cells of dsc_social_assessment_timeliness_monthly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_social_assessment_timeliness_monthly')) }}
