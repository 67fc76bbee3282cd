"""`virta test`: the whole test suite, as CI runs it.

1. `virta vault|docs|seeds check`: generated files are neither stale nor hand-edited;
2. sqlfluff lint (dbt templater) of models, tests, analyses and macros, against a throwaway embedded server;
3. pytest: unit tests, then end-to-end tests that start their own throwaway embedded servers
   and run the main job (skipped with --fast).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT
from virta.progress import step


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    """The environment without libpq variables, so tests use their own embedded servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


@contextmanager
def throwaway_server():
    """(transformer connection, state folder) of a throwaway embedded server; roles as virta.access sets them."""
    from virta.db import EmbeddedServer, resolve

    home = Path(tempfile.mkdtemp(prefix="virta-throwaway-"))
    saved = {k: os.environ.get(k) for k in ("VIRTA_HOME", "VIRTA_EMBEDDED_PORT")}
    os.environ["VIRTA_HOME"] = str(home)  # its own pseudonymisation key, passwords, lock and state
    os.environ["VIRTA_EMBEDDED_PORT"] = str(free_port())
    server = EmbeddedServer(data_dir=home / "pgdata")
    try:
        server.start()
        server.apply_access()
        yield resolve("transformer"), home
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(home, ignore_errors=True)


def lint() -> int:
    from virta.dbt import dbt_env, ensure_deps

    ensure_deps()
    with throwaway_server() as (conn, home):
        env = dbt_env(conn)
        env["DBT_TARGET_PATH"] = str(home / "target")
        env["DBT_LOG_PATH"] = str(home / "logs")
        # Models and tests through the dbt templater (the SQL dbt runs); macros, which it skips, through
        # the Jinja templater: their bodies' style (indentation of Jinja-built SQL is left to the compiled
        # models). A skipped file is a file nobody checked, so it fails the lint.
        runs = [["models", "tests", "analyses"],
                ["macros", "--templater", "jinja", "--exclude-rules", "LT02"]]
        code = 0
        for run in runs:
            # one process per core: the dbt templater compiles each file on its own, so the lint
            # scales with the cores (about 8 minutes on one of two, about 3 on both)
            result = subprocess.run([sys.executable, "-m", "sqlfluff", "lint", *run, "--disable-progress-bar",
                                     "--nocolor", "--processes", str(os.cpu_count() or 1)],
                                    cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
            print(result.stdout, end="")
            print(result.stderr, end="", file=sys.stderr)
            skipped = [line for line in (result.stdout + result.stderr).splitlines() if "Skipped file" in line]
            if skipped:
                print(f"    {len(skipped)} file(s) skipped by sqlfluff: every file must be linted", file=sys.stderr)
            code = code or result.returncode or (1 if skipped else 0)
        return code


def run_tests(fast: bool = False, pytest_args: list[str] | None = None) -> int:
    from virta import generated

    failures = []
    with step("Generated files up to date (virta vault|docs|seeds check)"):
        problems = generated.check()
        for problem in problems:
            print(f"    {problem}", file=sys.stderr)
        if problems:
            failures.append("generated files")
    with step("SQL style (sqlfluff lint, dbt templater)"):
        if lint() != 0:
            failures.append("sqlfluff")
    if fast:
        print("    --fast: the end-to-end tests are left out, and with them every dbt test (data and unit "
              "tests run only inside the end-to-end builds) and the raw recomputes", file=sys.stderr)
    with step("pytest" + (" (without end-to-end tests)" if fast else " (unit and end-to-end)")):
        # the slowest tests are listed: the suite's time is watched (issue 18; CI aims under 20 min)
        # one worker per core: an e2e build is one dbt process, about one core busy. A module stays on
        # one worker (its throwaway warehouse is made once); each worker builds its own session
        # warehouse. (--dist loadgroup, one warehouse for all, does not group under pytest 9.2: xdist
        # 3.8 renames node ids through an attribute pytest no longer reads.)
        workers = ["-n", str(os.cpu_count() or 1), "--dist", "loadfile"] if (os.cpu_count() or 1) > 1 else []
        args = [sys.executable, "-m", "pytest", "--durations=30", *workers, *(["-m", "not e2e"] if fast else []),
                *(pytest_args or [])]
        env = clean_env()
        if not fast:  # the whole suite: a skipped test is a check that did not run, so it fails the run
            env["VIRTA_FAIL_ON_SKIP"] = "1"
        code = subprocess.run(args, cwd=PROJECT_ROOT, env=env).returncode
        if code == 5:
            print("    pytest collected no tests: that is a failure here", file=sys.stderr)
        if code != 0:
            failures.append(f"pytest (exit {code})")
    if failures:
        raise VirtaError("tests failed: " + ", ".join(failures), exit_code=1)
    print("all test stages passed", file=sys.stderr)
    return 0
