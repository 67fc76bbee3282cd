-- Published: the cells of dsc_staffing_ratio_weekly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_staffing_ratio_weekly')) }}
