"""Who may do what in the warehouse: roles, schemas, grants, the guard on code objects, logging.

One script (`setup_sql`) states it all. The project applies it to the embedded server at every
start (idempotent); `virta db setup-sql` prints it for an external server's DBA to review and run
as a superuser. Roles:

- virta_owner (no login): owns the schemas, raw tables, batch register and the project's functions.
- virta_loader: inserts into raw and the batch register; reads nothing else.
- virta_transformer: runs dbt; reads raw, builds staging .. marts; owns what it builds.
- virta_steward: the warehouse's data steward: reads the vault, business vault, audit, every
  restricted row and the published marts.
- virta_analyst: reads the published marts only.
- virta_county_steward (no login): the group of a county's personal steward logins: the published
  marts (as an analyst) and the restricted rows of the counties security.steward_scope names for
  the login. Logins are granted the group without the right to SET ROLE to it, and nobody is
  granted virta_steward, so no county steward can take the warehouse steward's scope.

No role but a superuser session acting as the owner can create functions, procedures, triggers,
rules or event triggers (an event trigger refuses them): code in the warehouse could capture data.
Table privileges on what dbt builds come from `grants:` in dbt_project.yml, so rebuilds keep them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from virta.errors import VirtaError

OWNER = "virta_owner"
COUNTY_STEWARD = "virta_county_steward"
LOADER = "virta_loader"
TRANSFORMER = "virta_transformer"
STEWARD = "virta_steward"
ANALYST = "virta_analyst"
LOGIN_ROLES = {"loader": LOADER, "transformer": TRANSFORMER, "steward": STEWARD, "analyst": ANALYST}
# People's roles: every statement they run is logged (the service roles log DDL only).
PEOPLE_KINDS = ("steward", "analyst")
ALL_COUNTIES = "*"

PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def schema_prefix() -> str:
    """VIRTA_SCHEMA_PREFIX, validated: lower-case letters, digits and underscores, so that schema
    names need no quoting in dbt and cannot smuggle SQL."""
    prefix = os.environ.get("VIRTA_SCHEMA_PREFIX", "")
    if prefix and not PREFIX_PATTERN.match(prefix):
        raise VirtaError(f"VIRTA_SCHEMA_PREFIX must be lower-case letters, digits and underscores, starting "
                         f"with a letter, at most 30 characters; not {prefix!r}")
    return prefix


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Schemas:
    prefix: str = ""

    def __getattr__(self, layer: str) -> str:  # schemas.marts -> '"dev_marts"'
        if layer.startswith("_"):
            raise AttributeError(layer)
        return ident(self.name(layer))

    def name(self, layer: str) -> str:
        return layer if layer == "raw" else f"{self.prefix}{layer}"


BUILT_LAYERS = ("staging", "raw_vault", "business_vault", "disclosure", "marts", "restricted", "audit", "reference",
                "forecast")
STEWARD_LAYERS = ("raw_vault", "business_vault", "disclosure", "marts", "restricted", "audit", "reference")
GUARDED_TAGS = ("CREATE FUNCTION", "ALTER FUNCTION", "CREATE PROCEDURE", "ALTER PROCEDURE", "CREATE TRIGGER",
                "ALTER TRIGGER", "CREATE RULE", "CREATE AGGREGATE", "CREATE OPERATOR",
                "CREATE CAST", "CREATE LANGUAGE", "CREATE TRANSFORM", "CREATE EXTENSION")


def _role_statements(embedded: bool) -> list[str]:
    out = []
    for role, login in [(OWNER, False), (LOADER, True), (TRANSFORMER, True), (STEWARD, True), (ANALYST, True),
                        (COUNTY_STEWARD, False)]:
        out.append(f"do $$ begin if not exists (select from pg_roles where rolname = {literal(role)}) then "
                   f"create role {role}; end if; end $$")
        out.append(f"alter role {role} {'login' if login else 'nologin'} nosuperuser nocreatedb nocreaterole "
                   "noreplication nobypassrls")
    # Statement logging: everything people run; DDL of the service roles (dbt's builds).
    for role in (STEWARD, ANALYST):
        out.append(f"alter role {role} set log_statement = 'all'")
    for role in (LOADER, TRANSFORMER):
        out.append(f"alter role {role} set log_statement = 'ddl'")
    out.append(f"grant {ANALYST} to {COUNTY_STEWARD}")
    return out


def _function_statements(s: Schemas) -> list[str]:
    util, audit = s.virta_util, s.name("audit")
    pin = "set search_path = pg_catalog, pg_temp"
    return [
        # Timestamps are parsed as wall-clock local time; UTC inside the function avoids DST gaps.
        f"""create or replace function {util}.try_timestamp(value text, fmt text)
    returns timestamp language plpgsql immutable set timezone to 'UTC' {pin} as $fn$
    begin
        if value is null or btrim(value) = '' then return null; end if;
        return to_timestamp(btrim(value), fmt)::timestamp;
    exception when others then
        return null;
    end
    $fn$""",
        f"""create or replace function {util}.try_date(value text, fmt text)
    returns date language plpgsql immutable {pin} as $fn$
    begin
        if value is null or btrim(value) = '' then return null; end if;
        return to_date(btrim(value), fmt);
    exception when others then
        return null;
    end
    $fn$""",
        # The latest batch of a raw table in the batch log; 0 before the first load (no log yet).
        f"""create or replace function {util}.last_loaded_batch(source_table text)
    returns bigint language plpgsql stable {pin} as $fn$
    declare
        latest bigint;
    begin
        if to_regclass({literal(ident(audit) + '.audit_batch_log')}) is null then return 0; end if;
        execute 'select coalesce(max(batch_id), 0) from ' || {literal(ident(audit) + '.audit_batch_log')}
            || ' where source_table = $1' into latest using source_table;
        return latest;
    end
    $fn$""",
        # Ids of restricted outputs: keyed by a secret only this function reads, and different per
        # output, so an id neither reveals the source id nor links two outputs.
        f"""create or replace function {s.security}.output_id(output_name text, source_id text)
    returns text language sql stable security definer {pin} as $fn$
        select encode(sha256(k.secret || sha256(k.secret || convert_to(output_name || '|' || source_id, 'UTF8'))),
                      'hex')
        from {s.security}.output_id_key as k
    $fn$""",
    ]


def setup_sql(database: str, prefix: str = "", embedded: bool = False) -> str:
    """The whole access setup as one idempotent script, run by a superuser."""
    s = Schemas(prefix)
    from virta.load import raw_ddl

    stmts = [f"-- virta access setup for database {database}, schema prefix {prefix!r}. Idempotent; run as a "
             "superuser.\n-- Roles"]
    stmts += _role_statements(embedded)
    logins = ", ".join((LOADER, TRANSFORMER, STEWARD, ANALYST))
    stmts += [
        f"revoke all on database {ident(database)} from public",
        f"grant connect on database {ident(database)} to {logins}",
        "revoke create on schema public from public",
        f"grant temporary on database {ident(database)} to {TRANSFORMER}",
        "-- Schemas, the raw tables and the batch register belong to the owner",
    ]
    if embedded:  # the bootstrap superuser never runs code a dbt-built view could call (pg_read_file, ...)
        stmts.insert(-1, "alter role current_user set restrict_nonsystem_relation_kind = 'view'")
    for layer in ("raw", *BUILT_LAYERS, "virta_util", "security"):
        stmts += [f"create schema if not exists {getattr(s, layer)} authorization {OWNER}",
                  f"alter schema {getattr(s, layer)} owner to {OWNER}"]
    stmts += [f"set role {OWNER}"]
    stmts += raw_ddl()
    stmts += [
        f"""create table if not exists {s.security}.steward_scope (
            role_name name not null,
            county_code text not null,
            primary key (role_name, county_code)
        )""",
        f"comment on table {s.security}.steward_scope is 'Counties whose restricted rows a role may read ({ALL_COUNTIES} = all).'",
        # the warehouse steward reads every county; dbt's role builds and tests the restricted tables
        # under forced row-level security, so it reads every county too
        f"insert into {s.security}.steward_scope values ({literal(STEWARD)}, {literal(ALL_COUNTIES)}), "
        f"({literal(TRANSFORMER)}, {literal(ALL_COUNTIES)}) on conflict do nothing",
        f"create table if not exists {s.security}.output_id_key (id integer primary key check (id = 1), secret bytea not null)",
        # 244 random bits from two v4 UUIDs (core's strong random): the secret never leaves the server.
        f"insert into {s.security}.output_id_key select 1, sha256(convert_to(gen_random_uuid()::text "
        "|| gen_random_uuid()::text, 'UTF8')) on conflict do nothing",
        f"""create table if not exists {s.audit}.dbt_invocations (
            invocation_id text primary key,
            started_at timestamptz not null,
            finished_at timestamptz,
            run_by name not null default session_user,
            command text,
            dbt_version text,
            nodes_ok integer,
            nodes_failed integer
        )""",
        f"comment on table {s.audit}.dbt_invocations is 'Every dbt invocation that built the warehouse: who, what, when.'",
    ]
    stmts += _function_statements(s)
    stmts += ["reset role", "-- Grants"]
    stmts += [
        f"grant usage on schema {s.raw} to {LOADER}, {TRANSFORMER}",
        f"grant insert on all tables in schema {s.raw} to {LOADER}",
        # the batch register's loaded_by is the session's own role: the loader cannot write another name
        f"revoke insert on {s.raw}._batches from {LOADER}",
        f"grant select, insert (batch_id, delivered_on, loaded_at, description, row_counts, loaded_from, "
        f"content_hmac, source_system, delivery_hmac, period_start, period_end) on {s.raw}._batches to {LOADER}",
        f"grant select on all tables in schema {s.raw} to {TRANSFORMER}",
        f"grant usage, create on schema {', '.join(getattr(s, layer) for layer in BUILT_LAYERS)} to {TRANSFORMER}",
        f"grant usage on schema {', '.join(getattr(s, layer) for layer in STEWARD_LAYERS)} to {STEWARD}",
        f"grant usage on schema {s.marts} to {ANALYST}",
        f"grant usage on schema {s.restricted} to {COUNTY_STEWARD}",
        f"revoke all on all functions in schema {s.virta_util}, {s.security} from public",
        f"grant usage on schema {s.virta_util} to {TRANSFORMER}",
        f"grant execute on all functions in schema {s.virta_util} to {TRANSFORMER}",
        f"grant usage on schema {s.security} to {TRANSFORMER}, {STEWARD}, {COUNTY_STEWARD}",
        f"grant execute on function {s.security}.output_id(text, text) to {TRANSFORMER}",
        f"grant select on {s.security}.steward_scope to {TRANSFORMER}, {STEWARD}, {COUNTY_STEWARD}",
        # run_by is the session's role; dbt may only record a run and close it
        f"grant select, insert (invocation_id, started_at, command, dbt_version), "
        f"update (finished_at, nodes_ok, nodes_failed) on {s.audit}.dbt_invocations to {TRANSFORMER}",
        f"grant select on {s.audit}.dbt_invocations to {STEWARD}",
        "-- Nobody but the owner's setup (a superuser, or a member of the owner) creates code objects",
        f"""create or replace function {s.virta_util}.refuse_code_objects() returns event_trigger
    language plpgsql set search_path = pg_catalog, pg_temp as $fn$
    begin
        if not (coalesce((select rolsuper from pg_roles where rolname = session_user), false)
                or pg_has_role(session_user, {literal(OWNER)}, 'MEMBER')) then
            raise exception 'virta: % is reserved to the warehouse owner''s setup, not for %', tg_tag, session_user
                using errcode = 'insufficient_privilege';
        end if;
    end
    $fn$""",
        f"revoke all on function {s.virta_util}.refuse_code_objects() from public",
        f"""do $$ begin
        if not exists (select from pg_event_trigger where evtname = 'virta_refuse_code_objects') then
            create event trigger virta_refuse_code_objects on ddl_command_start
                when tag in ({', '.join(literal(t) for t in GUARDED_TAGS)})
                execute function {s.virta_util}.refuse_code_objects();
        end if;
    end $$""",
    ]
    if not embedded:
        stmts += [
            "-- External server: give each login role a password (or map them to your directory) with",
            "--   \\password virta_loader   (likewise virta_transformer, virta_steward, virta_analyst)",
            "-- and allow them in pg_hba.conf with scram-sha-256 (or gss/cert) only, never without a password.",
            "-- Logging: log_connections = on, log_disconnections = on; with pgaudit in",
            "-- shared_preload_libraries: create extension pgaudit; alter role virta_steward set",
            "-- pgaudit.log = 'read, ddl'; alter role virta_analyst set pgaudit.log = 'read'.",
        ]
    return ";\n\n".join(stmts) + ";\n"


def apply(pg, database: str, prefix: str = "", embedded: bool = False) -> None:
    """Run setup_sql on a superuser connection, in one transaction."""
    with pg, pg.cursor() as cur:
        cur.execute(setup_sql(database, prefix, embedded))


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """A SCRAM-SHA-256 verifier (RFC 7677), as PostgreSQL stores it: the password itself never
    travels to the server or into its logs."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(client_key).digest()
    server = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,40}$")


def person_statements(name: str, kind: str, counties: list[str]) -> list[str]:
    """A personal login for a steward (virta_county_steward: the marts and the restricted rows of
    `counties`) or an analyst (virta_analyst), statements logged. Needs PostgreSQL 16+ (SET FALSE)."""
    if kind not in PEOPLE_KINDS:
        raise VirtaError(f"a personal login is a steward or an analyst, not {kind!r}")
    if (not NAME_PATTERN.match(name) or name.startswith("pg_") or name.startswith("virta_")
            or name in LOGIN_ROLES.values() or name == OWNER):
        raise VirtaError(f"{name!r} is not a usable role name: lower-case letters, digits, underscores, 3-41 "
                         "characters, not a virta_ group role")
    group = COUNTY_STEWARD if kind == "steward" else ANALYST
    out = [
        f"do $$ begin if not exists (select from pg_roles where rolname = {literal(name)}) then "
        f"create role {ident(name)}; end if; end $$",
        f"alter role {ident(name)} login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls",
        # the group's privileges, not its identity: row-level security goes by the login's own name
        f"grant {group} to {ident(name)} with inherit true, set false",
        f"alter role {ident(name)} set log_statement = 'all'",
    ]
    if kind == "steward":
        for county in counties:
            if county != ALL_COUNTIES and not re.match(r"^[A-Za-z0-9]{1,10}$", county):
                raise VirtaError(f"{county!r} is not a county code")
        out += [f"insert into {Schemas(schema_prefix()).security}.steward_scope values ({literal(name)}, "
                f"{literal(c)}) on conflict do nothing" for c in counties]
    return out
