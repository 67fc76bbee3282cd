"""Access control on the warehouse the main job built (issue 15): who can connect and read what,
that no clear identity code and no pseudonymisation key reaches the database, and that the
restricted outputs' ids do not give the source ids back. Each test connects as a role would."""

import datetime as dt
import re
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors

from conftest import connect_as, query_function, run_virta
from virta import pseudonym

pytestmark = pytest.mark.e2e

LOGIN_ROLES = ("virta_loader", "virta_transformer", "virta_steward", "virta_analyst")
HIDDEN_FROM_ANALYST = ("raw", "staging", "raw_vault", "business_vault", "disclosure", "audit", "restricted", "reference",
                       "security")


@pytest.fixture(scope="module")
def env(warehouse):
    env, _ = warehouse
    return env


@pytest.fixture
def admin_sql(env):
    """The bootstrap superuser: reads every base table (and, by its role setting, no view)."""
    query, close = query_function(env, "admin")
    yield query
    close()


@pytest.fixture(scope="module")
def sample_codes():
    """The identity codes the sample's generator made (clear, in this process only)."""
    from virta.generate import generate
    from virta.generate.core import DEFAULT_SAMPLE

    return [c for c in generate(DEFAULT_SAMPLE).tables["vtj_residents"]["hetu"] if c]


@pytest.fixture(scope="module")
def county_steward(env):
    """A personal steward login for Kainuu (county 20) only."""
    run_virta(["db", "add-login", "steward_kainuu", "--as", "steward", "--county", "20"], env)
    return "steward_kainuu"


def one_relation_per_schema(sql):
    return dict(sql("""
        select distinct on (table_schema) table_schema, table_schema || '.' || quote_ident(table_name)
        from information_schema.tables where table_schema = any(%s) order by table_schema, table_name""",
                    (list(HIDDEN_FROM_ANALYST),)))


def denied(conn, statement, params=None):
    """True when the statement fails for lack of a privilege (SQLSTATE 42501)."""
    with conn.cursor() as cur:
        try:
            cur.execute(statement, params)
        except errors.InsufficientPrivilege:
            return True
        finally:
            conn.rollback()
    return False


def test_analyst_reads_every_published_mart_and_nothing_else(env, sql):
    relations = one_relation_per_schema(sql)
    assert set(relations) == set(HIDDEN_FROM_ANALYST)  # each schema exists and has something to try
    marts = [f"marts.{t}" for (t,) in sql("select table_name from information_schema.tables "
                                          "where table_schema = 'marts' order by 1")]
    assert len(marts) >= 25
    with connect_as(env, "virta_analyst") as conn:
        for relation in relations.values():
            assert denied(conn, f"select * from {relation} limit 1"), relation
        assert denied(conn, "select virta_util.try_date('20240101', 'YYYYMMDD')")
        assert denied(conn, "select security.output_id('rst_access_queue_current', 'x')")
        with conn.cursor() as cur:
            for mart in marts:
                cur.execute(f"select count(*) from {mart}")
                assert cur.fetchone()[0] >= 0
            cur.execute("select count(*) from marts.mart_primary_care_waits_monthly")
            assert cur.fetchone()[0] > 0
    conn.close()
    # published means tables (a view would run dbt's code with the reader's rights) read by these roles
    assert sql("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
               "where n.nspname = 'marts' and c.relkind in ('v', 'm')") == [(0,)]
    readers = {r for (r,) in sql("""
        select distinct coalesce(g.rolname, 'PUBLIC') from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(c.relacl) a left join pg_roles g on g.oid = a.grantee
        where n.nspname = 'marts' and a.privilege_type = 'SELECT'""")}
    assert readers == {"virta_transformer", "virta_steward", "virta_analyst"}


def test_a_county_steward_sees_only_their_county_in_restricted_outputs(env, sql, county_steward):
    per_county = dict(sql("select county_code, count(*) from restricted.rst_access_queue_current group by 1"))
    assert per_county.get("20", 0) > 0 and per_county.get("90", 0) > 0
    with connect_as(env, county_steward) as conn:
        with conn.cursor() as cur:
            cur.execute("select county_code, count(*) from restricted.rst_access_queue_current group by 1")
            assert dict(cur.fetchall()) == {"20": per_county["20"]}
            cur.execute("select count(*) from marts.mart_primary_care_waits_monthly where area_code = '90'")
            assert cur.fetchone()[0] > 0  # published comparison tables stay readable by all
        # not around the policy: no other role's identity, no case-level table without the policy
        for role in ("virta_steward", "virta_county_steward", "virta_analyst", "virta_transformer"):
            assert denied(conn, f"set role {role}"), role
        for relation in ("business_vault.bv_queue_current", "raw_vault.hub_person", "audit.audit_quarantine"):
            assert denied(conn, f"select * from {relation} limit 1"), relation
    conn.close()
    with connect_as(env, "virta_steward") as conn, conn.cursor() as cur:  # the warehouse's steward: '*'
        cur.execute("select county_code, count(*) from restricted.rst_access_queue_current group by 1")
        assert dict(cur.fetchall()) == per_county
    conn.close()


def test_the_loader_only_adds_to_raw(env):
    with connect_as(env, "virta_loader") as conn:
        for relation in ("raw_vault.hub_person", "business_vault.bv_person", "marts.mart_primary_care_waits_monthly",
                         "raw.vtj_residents"):
            assert denied(conn, f"select * from {relation} limit 1"), relation
        assert denied(conn, "delete from raw.org_units")
        assert denied(conn, "truncate raw._batches")
        # the register says which role loaded a batch: the session's own, not one the loader names
        assert denied(conn, "insert into raw._batches (batch_id, delivered_on, loaded_at, row_counts, loaded_by) "
                            "values (999, now(), now(), '{}', 'virta_admin')")
        # a clear identity code cannot land, whatever tool the loader used
        with conn.cursor() as cur, pytest.raises(errors.CheckViolation):
            cur.execute("insert into raw.vtj_residents (_batch_id, _loaded_at, _row_no, hetu_pseudonym, hetu_valid) "
                        "values (999, now(), 1, '010190-123A', 'true')")
        conn.rollback()
        with conn.cursor() as cur:  # what it is for: appending rows (rolled back: the warehouse is shared)
            cur.execute("insert into raw.org_units (_batch_id, _loaded_at, _row_no) values (999, now(), 1)")
            cur.execute("select max(batch_id) from raw._batches")
            assert cur.fetchone()[0] >= 1
        conn.rollback()
    conn.close()


@pytest.mark.parametrize("role", LOGIN_ROLES)
def test_no_login_role_creates_code_in_the_warehouse(env, role):
    """Functions, triggers and rules run with whoever calls them: code planted in the vault could
    copy what stewards read. Only a superuser session acting as the owner may create them."""
    with connect_as(env, role) as conn:
        for schema in ("raw_vault", "business_vault", "public", "pg_temp"):
            assert denied(conn, f"create function {schema}.f() returns int language sql as 'select 1'"), schema
        assert denied(conn, "create procedure pg_temp.p() language sql as 'select 1'")
        assert denied(conn, "create trigger t before insert on raw_vault.hub_person "
                            "for each row execute function virta_util.refuse_code_objects()")
        assert denied(conn, "create rule r as on insert to raw_vault.hub_person do instead nothing")
    conn.close()


def test_copy_from_program_fails_for_every_login_role(env, sql, county_steward):
    logins = [r for (r,) in sql("select rolname from pg_roles where rolcanlogin and not rolsuper order by 1")]
    assert set(LOGIN_ROLES) | {county_steward} <= set(logins)
    assert sql("select rolname from pg_roles where rolsuper") == [("virta_admin",)]
    for role in logins:
        with connect_as(env, role) as conn:
            assert denied(conn, "copy (select 1) to program 'true'"), role
            assert denied(conn, "create temp table x (t text); copy x from program 'id'"), role
            assert denied(conn, "select pg_read_file('pg_hba.conf')"), role
        conn.close()


def test_connections_need_the_role_and_its_password(env):
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        connect_as(env, "virta_analyst", password="not-the-password")
    with pytest.raises(psycopg2.OperationalError):
        connect_as(env, "virta_analyst", password="")
    for role in ("virta", "postgres", "virta_owner"):  # no such login, or one that may not log in
        with pytest.raises(psycopg2.OperationalError):
            connect_as(env, role, password="")
    # the bootstrap superuser is refused over TCP, password or not
    with pytest.raises(psycopg2.OperationalError, match="rejects|no pg_hba.conf entry"):
        connect_as(env, "virta_admin", password="x")
    # the private socket admits the bootstrap superuser only (peer-mapped to this OS account)
    for role in ("virta_analyst", "virta_transformer", "postgres"):
        with pytest.raises(psycopg2.OperationalError, match="no pg_hba.conf entry|Peer authentication failed"):
            psycopg2.connect(host=str(Path(env["VIRTA_HOME"]) / "run"), port=int(env["VIRTA_EMBEDDED_PORT"]),
                             user=role, dbname="virta", connect_timeout=5)


def test_server_authentication_and_process(env):
    home = Path(env["VIRTA_HOME"])
    hba = [line.split() for line in (home / "pgdata/pg_hba.conf").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    assert hba and not any("trust" in line or "replication" in line for line in hba)
    assert all(line[-1] in ("scram-sha-256", "reject") or line[-2:] == ["peer", "map=virta_admin"] for line in hba)
    assert (home / "run").stat().st_mode & 0o077 == 0
    assert (home / "pgpass").stat().st_mode & 0o077 == 0
    pid = int((home / "pgdata/postmaster.pid").read_text().split()[0])
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    assert "0" not in status["Groups"].split() and status["Gid"].split()[0] != "0"
    assert status["Uid"].split()[0] != "0"


def test_people_are_logged_and_every_batch_says_who_loaded_it(env, sql):
    marker = f"audit-marker-{dt.datetime.now().timestamp()}"
    with connect_as(env, "virta_analyst") as conn, conn.cursor() as cur:
        cur.execute(f"select count(*) from marts.mart_population_structure_yearly where '{marker}' <> ''")
    conn.close()
    log = (Path(env["VIRTA_HOME"]) / "pgdata/server.log").read_text(errors="replace")
    assert re.search(rf"user=virta_analyst .*statement: select count\(\*\) .*{marker}", log)
    assert re.search(r"connection authorized: user=virta_analyst", log)
    rows = sql("""select l.batch_loaded_by, l.delivered_hmac, l.dbt_invocation_id, i.run_by, i.command
                  from audit.audit_batch_log l join audit.dbt_invocations i on i.invocation_id = l.dbt_invocation_id""")
    assert rows and {(r[0], r[3], r[4]) for r in rows} == {("virta_loader", "virta_transformer", "build")}
    assert all(re.fullmatch("[0-9a-f]{64}", r[1]) for r in rows)
    for role in ("virta_analyst", "virta_steward", "virta_loader"):
        with connect_as(env, role) as conn:
            assert denied(conn, "insert into audit.dbt_invocations (invocation_id, started_at) values ('x', now())")
            assert denied(conn, "delete from audit.audit_batch_log")
        conn.close()
    with connect_as(env, "virta_transformer") as conn:  # dbt records and closes runs; it cannot rename them
        assert denied(conn, "update audit.dbt_invocations set run_by = 'virta_steward'")
        assert denied(conn, "insert into audit.dbt_invocations (invocation_id, started_at, run_by) "
                            "values ('x', now(), 'virta_steward')")
    conn.close()


def test_the_superuser_reads_no_view(env):
    """A view runs the functions its author (dbt's role) chose with the reader's rights: the bootstrap
    superuser's sessions refuse views, so no dbt code ever runs as a superuser."""
    with connect_as(env, "admin") as conn, conn.cursor() as cur:
        with pytest.raises(psycopg2.Error, match="restrict_nonsystem_relation_kind|access to non-system view"):
            cur.execute("select count(*) from staging.stg_vtj__residents")  # a stage view
    conn.close()


def test_the_access_setup_is_idempotent_and_printable(env, sql, admin_sql):
    from virta.access import setup_sql

    before = sql("select count(*) from restricted.rst_access_queue_current")
    script = setup_sql("virta", "", embedded=True)
    admin_sql(script)
    admin_sql(script)
    assert sql("select count(*) from restricted.rst_access_queue_current") == before
    printed = run_virta(["db", "setup-sql"], env).stdout
    assert "create role" in printed and "trust" not in printed and "password" in printed


# -- no clear identity code, no key ----------------------------------------------------------------
def every_column(sql, types, schemas=None):
    return sql("""
        select c.table_schema, c.table_name, c.column_name, c.data_type
        from information_schema.columns c
        join information_schema.tables t using (table_schema, table_name)
        where t.table_type = 'BASE TABLE' and c.data_type = any(%s)
          and c.table_schema not in ('pg_catalog', 'information_schema')
          and (%s::text[] is null or c.table_schema = any(%s))
        order by 1, 2, 3""", (list(types), schemas, schemas))


def test_no_identity_code_in_clear_in_any_schema_raw_included(admin_sql):
    sql = admin_sql
    columns = every_column(sql, ("text", "character varying", "jsonb", "name"))
    assert {c[0] for c in columns} >= {"raw", "raw_vault", "business_vault", "marts", "restricted", "audit"}
    # a whole value that is a UUID (dbt's invocation ids) can hold the pattern by chance: its first
    # group ending in six digits, its second starting with four; it is no identity code
    uuid = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    for schema, table, column, _ in columns:
        n = sql(f'select count(*) from {schema}."{table}" where "{column}"::text ~ %s and "{column}"::text !~ %s',
                (r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]", uuid))[0][0]
        assert n == 0, f"{schema}.{table}.{column}"


def _collect_digests(sql, schemas=None):
    """Every 32/64-hex string found in any text, JSON or bytea value of the given schemas (all when
    None), into temp table digests(schema_name, table_name, hex), once per table. A bytea value of
    16 or 32 bytes (a hash key, a digest) is its own hex whole: what the pattern would find in it,
    without running the pattern over millions of keys."""
    sql("drop table if exists digests; create temp table digests (schema_name text, table_name text, hex text)")
    pattern = "'([0-9a-fA-F]{64}|[0-9a-fA-F]{32})'"
    for schema, table, column, data_type in every_column(sql, ("text", "character varying", "jsonb", "bytea"),
                                                         schemas):
        relation = f'{schema}."{table}"'
        if data_type == "bytea":
            found = f"""
                select encode("{column}", 'hex') from {relation} where octet_length("{column}") in (16, 32)
                union
                select lower(m[1]) from {relation}, regexp_matches(encode("{column}", 'hex'), {pattern}, 'g') as m
                where octet_length("{column}") not in (16, 32)"""
        else:
            found = f'select lower(m[1]) from {relation}, regexp_matches("{column}"::text, {pattern}, \'g\') as m'
        sql(f"insert into digests select distinct %s, %s, f.hex from ({found}) as f(hex)", (schema, table))
    sql("create index on digests (hex); analyze digests")


def test_identity_codes_cannot_be_recovered_by_enumeration(admin_sql, sample_codes):
    sql = admin_sql
    """The attack a plain hash falls to: hash every valid code of 1 500 of the sample's birth dates
    (individual numbers 002-999, every century sign of the century; some 9 million codes, holding
    thousands of the sample's own) with MD5 and SHA-256, and look the hashes up in every value of
    every schema, raw included. A spread of dates, not all: the candidates grow with the sample."""
    from virta.hetu import CHECK_CHARS

    sql(f"""
        drop table if exists candidates;
        create temp table candidates as
        with dates as (
            select born from (
                select distinct to_date(syntymaaika, 'YYYYMMDD') as born from raw.vtj_residents
                where syntymaaika ~ '^[0-9]{{8}}$'
            ) as d
            order by md5(cast(born as text))
            limit 1500
        ),
        codes as (
            select to_char(born, 'DDMMYY') || sign.s || lpad(n::text, 3, '0') as stem
            from dates
            cross join generate_series(2, 999) as n
            cross join lateral unnest(case
                when born < date '1900-01-01' then array['+']
                when born < date '2000-01-01' then array['-', 'Y', 'X', 'W', 'V', 'U']
                else array['A', 'B', 'C', 'D', 'E', 'F'] end) as sign(s)
        )
        select stem || substr('{CHECK_CHARS}',
                              ((substr(stem, 1, 6) || substr(stem, 8, 3))::bigint % 31)::int + 1, 1) as code
        from codes""")
    assert sql("select count(*) from candidates")[0][0] > 1_000_000
    # the candidates hold the sample's real codes: the attack would work on plain hashes
    assert sql("select count(*) from candidates where code = any(%s)", (sample_codes,))[0][0] > 1000
    _collect_digests(sql)
    assert sql("select count(*) from digests where schema_name = 'raw'")[0][0] > 1000  # raw's pseudonyms
    # two equi-joins (hashable), not one join on either digest (a nested loop over millions)
    hits = sql("""
        with hashed as materialized (
            select encode(sha256(convert_to(code, 'UTF8')), 'hex') as sha, md5(code) as md5 from candidates
        ),
        found as (
            select d.schema_name, d.table_name from hashed h join digests d on d.hex = h.sha
            union all
            select d.schema_name, d.table_name from hashed h join digests d on d.hex = h.md5
        )
        select schema_name, table_name, count(*) from found group by 1, 2""")
    assert hits == []


def test_pseudonyms_are_keyed_hmacs_of_the_sample_codes(env, sql, sample_codes):
    """Each code is in the warehouse only as HMAC-SHA256 under the project's key, raw included."""
    from virta.hetu import parse

    key = bytes.fromhex((Path(env["VIRTA_HOME"]) / "pseudonym.key").read_text().strip())
    expected = {pseudonym.pseudonym(key, c) for c in sample_codes[:300] if parse(c)}
    landed = {p for (p,) in sql("select hetu_pseudonym from raw.vtj_residents where hetu_valid = 'true' "
                                 "and hetu_pseudonym = any(%s)", (list(expected),))}
    assert landed == expected and len(expected) > 250
    found = {p for (p,) in sql("select person_pseudonym from raw_vault.hub_person where person_pseudonym = any(%s)",
                                (list(expected),))}
    assert len(found) >= 0.97 * len(expected)  # the rest: register rows quarantined for another reason


def test_the_key_is_in_no_log_no_target_file_and_no_session(env, sql):
    key_hex = (Path(env["VIRTA_HOME"]) / "pseudonym.key").read_text().strip()
    key = bytes.fromhex(key_hex)
    padded = key.ljust(64, b"\0")  # HMAC's padded keys, which sessions used to receive
    secrets_hex = {key_hex, bytes(b ^ 0x36 for b in padded).hex(), bytes(b ^ 0x5C for b in padded).hex()}
    home = Path(env["VIRTA_HOME"])
    places = [home / "pgdata/server.log", *Path(env["DBT_TARGET_PATH"]).rglob("*"),
              *Path(env["DBT_LOG_PATH"]).rglob("*")]
    checked = 0
    for path in places:
        if path.is_file():
            text = path.read_bytes().decode(errors="replace").lower()
            assert not any(s in text for s in secrets_hex), path
            checked += 1
    assert checked > 50
    assert sql("select count(*) from pg_settings where name like 'virta.%%'") == [(0,)]
    assert sql("select count(*) from pg_db_role_setting, unnest(setconfig) s where s like 'virta.%%'") == [(0,)]
    with connect_as(env, "virta_transformer") as conn, conn.cursor() as cur:
        cur.execute("select count(*) from pg_settings where name like 'virta.%%'")
        assert cur.fetchone() == (0,)
    conn.close()


def test_restricted_ids_do_not_give_source_ids_back(admin_sql):
    """The old case ids were unkeyed MD5 of sequential source ids: hashing each id the sources
    deliver (with every record-source prefix automate-dv uses, and bare) found them. Outputs now
    show keyed ids: the same attack finds nothing in marts or restricted, while it still finds the
    vault's own keys in the business vault, which nobody but stewards and dbt reads."""
    sql = admin_sql
    from virta.load import raw_tables
    from virta.vault.model import load

    sources = sorted({s.record_source for s in load().systems.values()})
    ids = set()
    for name, table in raw_tables().items():
        for column in table.columns:
            if column.endswith("_id") or column in table.record_key:
                if column in table.identity_columns:
                    continue
                ids |= {v for (v,) in sql(f'select distinct "{column}" from raw."{name}" where "{column}" is not null')}
    assert len(ids) > 1000
    sql("drop table if exists source_ids; create temp table source_ids (id text)")
    sql("insert into source_ids select unnest(%s::text[])", (sorted(ids),))
    sql("""drop table if exists guesses; create temp table guesses as
           select md5(upper(trim(p.prefix || s.id))) as hex
           from source_ids s cross join unnest(%s::text[]) as p(prefix)""", ([f"{r}|" for r in sources] + [""],))
    sql("create index on guesses (hex)")
    _collect_digests(sql, ["marts", "restricted", "business_vault"])
    hits = dict(sql("select d.schema_name, count(*) from digests d join guesses g on g.hex = d.hex group by 1"))
    assert hits.get("business_vault", 0) > 1000  # the attack works where the vault's keys are
    assert hits.get("marts", 0) == 0 and hits.get("restricted", 0) == 0
    assert sql("select count(*) from restricted.rst_access_queue_current")[0][0] > 0
    assert sql("select count(*) from digests where schema_name = 'restricted'")[0][0] > 0  # its keyed ids


def test_schema_prefix_is_validated(env):
    bad = dict(env, VIRTA_SCHEMA_PREFIX='x"; drop schema raw cascade; --')
    result = run_virta(["dbt", "compile", "-s", "bv_person"], bad, check=False)
    assert result.returncode != 0 and "VIRTA_SCHEMA_PREFIX must be" in (result.stdout + result.stderr)
