-- Published: the cells of dsc_specialised_care_waiting_month_end after disclosure control (meta.disclosure in the YAML).
{{ publish_protected(ref('dsc_specialised_care_waiting_month_end')) }}
