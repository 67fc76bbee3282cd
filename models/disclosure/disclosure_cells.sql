-- Every cell of every published table, one row per cell and count or amount (layer), with its
-- primary-suppression reason. The inputs are the cells models the marts' meta.disclosure names
-- (macros/disclosure/inputs.sql).
{{ disclosure_cells(disclosure_inputs()) }}
