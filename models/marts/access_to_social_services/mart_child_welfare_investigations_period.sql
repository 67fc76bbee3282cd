-- Published: the cells of dsc_child_welfare_investigations_period after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_child_welfare_investigations_period')) }}
