"""`virta test`: the whole test suite, as CI runs it.

1. `virta vault check`: generated models are neither stale nor hand-edited;
2. sqlfluff lint (dbt templater) of models and macros, against a throwaway embedded server;
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


def lint() -> int:
    from virta.db import EmbeddedServer
    from virta.dbt import dbt_env, ensure_deps

    ensure_deps()
    home = Path(tempfile.mkdtemp(prefix="virta-lint-"))
    server = EmbeddedServer(data_dir=home / "pgdata", port=free_port())
    try:
        server.start()
        env = dbt_env(server.connection())
        env["DBT_TARGET_PATH"] = str(home / "target")
        env["DBT_LOG_PATH"] = str(home / "logs")
        return subprocess.run([sys.executable, "-m", "sqlfluff", "lint", "models", "macros", "tests",
                               "--disable-progress-bar", "--nocolor"], cwd=PROJECT_ROOT, env=env).returncode
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def run_tests(fast: bool = False, pytest_args: list[str] | None = None) -> int:
    from virta.vault import check

    failures = []
    with step("Generated models up to date (virta vault check)"):
        problems = check()
        for problem in problems:
            print(f"    {problem}", file=sys.stderr)
        if problems:
            failures.append("vault check")
    with step("SQL style (sqlfluff lint, dbt templater)"):
        if lint() != 0:
            failures.append("sqlfluff")
    with step("pytest" + (" (without end-to-end tests)" if fast else " (unit and end-to-end)")):
        args = [sys.executable, "-m", "pytest", *(["-m", "not e2e"] if fast else []), *(pytest_args or [])]
        code = subprocess.run(args, cwd=PROJECT_ROOT, env=clean_env()).returncode
        if code == 5:
            print("    pytest collected no tests: that is a failure here", file=sys.stderr)
        if code != 0:
            failures.append(f"pytest (exit {code})")
    if failures:
        raise VirtaError("tests failed: " + ", ".join(failures), exit_code=1)
    print("all test stages passed", file=sys.stderr)
    return 0
