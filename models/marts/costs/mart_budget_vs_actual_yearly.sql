-- Published: the cells of dsc_budget_vs_actual_yearly after disclosure control
-- (meta.disclosure in the YAML says which columns are counts and how the table adds up).
{{ publish_protected(ref('dsc_budget_vs_actual_yearly')) }}
