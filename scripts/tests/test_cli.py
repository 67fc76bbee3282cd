"""The command line: help texts, and clear errors (no tracebacks) for the failure modes users hit."""

import shutil
import socket

import pytest

from conftest import run_virta
from virta.dbt import ensure_deps
from virta.errors import VirtaError
from virta.lock import run_lock
from virta.paths import PROJECT_ROOT
from virta.testing import clean_env, free_port


@pytest.fixture
def env(tmp_path):
    e = clean_env()
    e["VIRTA_HOME"] = str(tmp_path / "home")
    e["VIRTA_EMBEDDED_PORT"] = str(free_port())
    return e


@pytest.mark.parametrize("args", [[], ["run"], ["db"], ["generate"], ["vault"], ["dbt"], ["test"]])
def test_help_explains_each_command(args, env):
    result = run_virta([*args, "--help"], env)
    assert "usage: virta" in result.stdout
    assert len(result.stdout) > 200


def assert_clear_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_unreachable_external_server(env):
    env.update({"PGHOST": "127.0.0.1", "PGPORT": str(free_port()), "PGUSER": "x", "PGDATABASE": "x"})
    result = run_virta(["db", "status"], env, check=False)
    assert_clear_error(result, "cannot reach the external PostgreSQL server", "hint:")


def test_db_url_follows_pg_variables(env):
    env.update({"PGHOST": "db.example.invalid", "PGPORT": "6543", "PGUSER": "analyst", "PGDATABASE": "hva",
                "PGPASSWORD": "secret"})
    assert run_virta(["db", "url"], env).stdout.strip() == "postgresql://analyst:***@db.example.invalid:6543/hva"


def test_port_in_use(env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        env["VIRTA_EMBEDDED_PORT"] = str(sock.getsockname()[1])
        result = run_virta(["db", "start"], env, check=False)
    assert_clear_error(result, f"port {env['VIRTA_EMBEDDED_PORT']} on 127.0.0.1 is in use", "VIRTA_EMBEDDED_PORT")


def test_second_run_while_one_is_running(env, monkeypatch):
    monkeypatch.setenv("VIRTA_HOME", env["VIRTA_HOME"])
    with run_lock("run"):
        result = run_virta(["run"], env, check=False)
    assert_clear_error(result, "another `virta run` is already running")


def test_data_folder_in_use_by_a_server_on_another_port(env):
    run_virta(["db", "start"], env)
    try:
        assert "running" in run_virta(["db", "status"], env).stdout
        first_port = env["VIRTA_EMBEDDED_PORT"]
        other = dict(env, VIRTA_EMBEDDED_PORT=str(free_port()))
        result = run_virta(["db", "start"], other, check=False)
        assert_clear_error(result, "is in use by a PostgreSQL server on port " + first_port)
        assert "already running" in run_virta(["db", "start"], env).stdout  # idempotent
    finally:
        run_virta(["db", "stop"], env)
    assert run_virta(["db", "status"], env, check=False).returncode == 3


def test_missing_hub_packages_say_how_to_install_them(tmp_path, monkeypatch):
    for name in ("dbt_project.yml", "packages.yml", "package-lock.yml", "profiles.yml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    monkeypatch.setenv("DBT_PACKAGE_HUB_URL", f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(VirtaError) as err:
        ensure_deps(force=True, project_dir=tmp_path)
    assert "could not install the packages" in err.value.message
    assert "DBT_PACKAGE_HUB_URL" in err.value.hint


def test_the_sample_takes_all_22_areas_or_a_list():
    from virta.cli import sample_params
    from virta.generate.core import DEFAULT_SAMPLE

    assert sample_params(None, None, None, 7).counties == DEFAULT_SAMPLE.counties
    everything = sample_params(0.01, "all", None, 7)
    assert len(everything.counties) == 22 and everything.min_residents == 50 and everything.scale == 0.01
    assert sample_params(None, " 20, 90 ", 3000, 7).counties == ("20", "90")
    for bad, message in (("20,20", "a county twice"), ("99", "99"), (",", "or none")):
        with pytest.raises(VirtaError, match=message):
            sample_params(None, bad, None, 7)
