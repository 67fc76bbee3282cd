import subprocess
import sys

import pytest

from virta.paths import PROJECT_ROOT
from virta.testing import clean_env, free_port

VIRTA = [sys.executable, "-m", "virta"]
# dbt's own setting (--exclude-resource-type) as an environment variable, read by every dbt command
UNIT_TESTS_OFF = ("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")


def pytest_sessionfinish(session, exitstatus):
    """In the full run (`virta test` sets VIRTA_FAIL_ON_SKIP) a skipped test fails the session: a check
    that did not run must not pass as green."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("VIRTA_FAIL_ON_SKIP") and skipped and exitstatus == 0:
        reporter.write_line(f"{skipped} test(s) skipped: the full run allows none", red=True)
        session.exitstatus = 1


# generous: a build takes longer while another worker's build shares the cores
def run_virta(args, env, check=True, timeout=1800):
    result = subprocess.run(VIRTA + list(args), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"virta {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def throwaway_env(tmp_path_factory, name):
    """Environment of a throwaway embedded warehouse: own state folder, port and dbt target. Its
    builds leave out dbt's unit tests: they test the SQL on fixed fixtures, not the data, and the
    session warehouse's build runs every one of them (e2e_env); here they would only repeat that,
    at about a sixth of each build's time."""
    home = tmp_path_factory.mktemp(name)
    env = clean_env()
    env.update({
        "VIRTA_HOME": str(home),
        "VIRTA_EMBEDDED_PORT": str(free_port()),
        "DBT_TARGET_PATH": str(home / "target"),
        "DBT_LOG_PATH": str(home / "logs"),
        UNIT_TESTS_OFF[0]: UNIT_TESTS_OFF[1],
    })
    return env


def connect_as(env, role="admin", password=None, **kwargs):
    """A connection to the env's embedded server: the bootstrap superuser on its private socket, or a
    login role over TCP with its password from .virta/pgpass."""
    from pathlib import Path

    import psycopg2

    home, port = Path(env["VIRTA_HOME"]), int(env["VIRTA_EMBEDDED_PORT"])
    if role == "admin":
        return psycopg2.connect(host=str(home / "run"), port=port, user="virta_admin", dbname="virta", **kwargs)
    if password is None:
        passwords = {line.split(":")[3]: line.split(":", 4)[4] for line in (home / "pgpass").read_text().splitlines()
                     if not line.startswith("#")}
        password = passwords[role]
    return psycopg2.connect(host="127.0.0.1", port=port, user=role, password=password, dbname="virta",
                            connect_timeout=5, **kwargs)


def query_function(env, role="virta_transformer"):
    """(query, close): run SQL on the env's embedded server and get the rows (None for no result).
    As dbt's role by default, which reads raw and everything dbt built: the superuser's sessions read
    no view at all (restrict_nonsystem_relation_kind), since a view runs the functions its author chose."""
    conn = connect_as(env, role)
    conn.autocommit = True

    def query(text, params=None):
        with conn.cursor() as cur:
            cur.execute(text, params)
            return cur.fetchall() if cur.description else None

    return query, conn.close


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory):
    """A throwaway embedded warehouse with its own pseudonym key; stopped at the end."""
    env = throwaway_env(tmp_path_factory, "virta-e2e")
    env.pop(UNIT_TESTS_OFF[0])  # the one build in the suite that runs every unit test
    env.pop("VIRTA_PSEUDONYM_KEY", None)
    env.pop("VIRTA_PSEUDONYM_KEY_FILE", None)
    yield env
    run_virta(["db", "stop"], env, check=False)


@pytest.fixture(scope="session")
def warehouse(e2e_env):
    """The main job run once on the throwaway server; returns (env, first run's output)."""
    result = run_virta(["run"], e2e_env)
    return e2e_env, result


@pytest.fixture
def sql(warehouse):
    env, _ = warehouse
    query, close = query_function(env)
    yield query
    close()
