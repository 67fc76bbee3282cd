-- The suppression pattern: which cells of the published tables are withheld and why
-- (below_threshold, magnitude, secondary, population_withheld). Published marts read it.
{{ disclosure_pattern(ref('disclosure_cells'), ref('disclosure_equations'), var('disclosure_passes')) }}
