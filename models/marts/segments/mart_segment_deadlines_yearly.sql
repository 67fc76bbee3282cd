-- Published: the cells of dsc_segment_deadlines_yearly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_segment_deadlines_yearly')) }}
