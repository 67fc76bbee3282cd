-- Published: the cells of dsc_specialised_care_waiting_month_end after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_specialised_care_waiting_month_end')) }}
