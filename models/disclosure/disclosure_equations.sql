-- The linear relations between the cells of disclosure_cells: a total and its parts along each
-- declared hierarchy of a table, and a period cell with its months in a linked table. An
-- intruder who knows all but one member of an equation knows the last (differencing).
{{ disclosure_equations(disclosure_inputs()) }}
