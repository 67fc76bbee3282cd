"""The vault generator, in stages: parse (YAML shape), validate (meaning), plan (which files from
which template), render (templates and documents), and write/check (virta.generated)."""
