-- Published: the cells of dsc_cost_per_client_by_municipality_yearly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_cost_per_client_by_municipality_yearly')) }}
