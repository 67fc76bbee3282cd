-- Published: the cells of dsc_specialised_care_referral_processing_monthly after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_specialised_care_referral_processing_monthly')) }}
