"""SQL that says what it means on any engine (issue 17): hand-written models and mart macros write
engine-specific constructs through the adapter-dispatched macros of macros/platform/portable.sql,
never raw. (PostgreSQL's unbounded `::numeric` is DECIMAL(10,0) on Spark: `round(x::numeric, 1)`
rounded medians to whole numbers in nine marts there while every dbt test passed.)"""

import re

from virta.paths import PROJECT_ROOT
from virta.vault.render import GENERATED_MARK

# construct -> the macro to use instead
RAW = {
    r"::\s*numeric\b(?!\s*\()": "virta.round_to / virta.to_decimal",
    r"\bas\s+numeric\s*\)": "virta.round_to / virta.to_decimal",
    r"\bage\s*\(": "virta.age_in_years",
    r"\bgenerate_series\s*\(": "virta.series",
    r"\bdistinct\s+on\s*\(": "virta.latest_per_key",
    r"\bto_jsonb?\s*\(": "virta.row_as_json",
    r"->>": "virta.json_text",
    r"::\s*text\b": "cast(... as {{ dbt.type_string() }})",
    # date - date (an integer on PostgreSQL only): a date-named column or a month end minus another
    r"\b\w*(?:_on|_date|month_end)\b(?:::date)?\s+-\s+(?:case\b|\w+\.\w*(?:_on|_date|_at)\b)": "virta.days_between",
}
# where the PostgreSQL implementations live, and the staging casts that are plpgsql-bound anyway
ALLOWED = {"macros/platform/portable.sql", "macros/staging/safe_casts.sql"}
COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/|\{#.*?#\}", re.DOTALL)


def raw_constructs(text: str) -> list[tuple[int, str, str]]:
    """(line, the line, the macro to use) for each raw construct outside comments; a construct may
    span lines (generate_series then a line break and its parenthesis)."""
    code = COMMENTS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # keep line numbers
    lines = text.splitlines()
    found = []
    for pattern, instead in RAW.items():
        for match in re.finditer(pattern, code, flags=re.IGNORECASE):
            number = code.count("\n", 0, match.start()) + 1
            found.append((number, lines[number - 1].strip(), instead))
    return sorted(found)


def test_the_scan_finds_each_raw_construct():
    text = ("select round(x::numeric, 1), extract(year from AGE(a, b)), cast(y as numeric)\n"
            "from generate_series\n(1, 3) -- age(x)\n/* generate_series(1, 2) */ {# x::numeric #}\n"
            "select z::numeric(12, 2)\n"
            "select distinct on (k) to_jsonb(d), r ->> 'x', null::text, p.decided_on - p.initiated_on, d.due_date - 1")
    assert [(n, instead) for n, _, instead in raw_constructs(text)] == [
        (1, "virta.age_in_years"), (1, "virta.round_to / virta.to_decimal"), (1, "virta.round_to / virta.to_decimal"),
        (2, "virta.series"), (6, "cast(... as {{ dbt.type_string() }})"), (6, "virta.days_between"),
        (6, "virta.json_text"), (6, "virta.latest_per_key"), (6, "virta.row_as_json")]


def test_hand_written_sql_uses_the_portable_macros():
    problems = []
    for folder in ("models", "macros", "tests"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.sql")):
            rel = path.relative_to(PROJECT_ROOT).as_posix()
            text = path.read_text()
            if rel in ALLOWED or GENERATED_MARK in text.split("\n", 1)[0]:
                continue
            problems += [f"{rel}:{n}: {line}  (use {instead})" for n, line, instead in raw_constructs(text)]
    assert not problems, "\n".join(problems)
