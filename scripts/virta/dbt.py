"""Running dbt against the resolved connection, and installing its packages once."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from virta.db import Connection
from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

REQUIRED_PACKAGES = ("automate_dv", "dbt_utils")


def dbt_executable() -> str:
    """The dbt of this Python environment, whether or not its bin folder is on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(conn: Connection | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env["DBT_PROJECT_DIR"] = str(PROJECT_ROOT)
    if conn is not None:
        env.update(conn.env())
    # No pseudonymisation key here: identity codes were replaced by pseudonyms in the loader.
    for name in ("VIRTA_PSEUDONYM_KEY", "VIRTA_PSEUDONYM_KEY_FILE"):
        env.pop(name, None)
    return env


def _lock_digest(project_dir: Path) -> str:
    return hashlib.sha256((project_dir / "package-lock.yml").read_bytes()).hexdigest()


def deps_installed(project_dir: Path = PROJECT_ROOT) -> bool:
    packages, stamp = project_dir / "dbt_packages", project_dir / "dbt_packages" / ".virta-deps"
    return (
        all((packages / name / "dbt_project.yml").exists() for name in REQUIRED_PACKAGES)
        and stamp.exists()
        and stamp.read_text().strip() == _lock_digest(project_dir)
    )


def ensure_deps(force: bool = False, project_dir: Path = PROJECT_ROOT) -> None:
    """`dbt deps` unless the packages of package-lock.yml are already installed."""
    if not force and deps_installed(project_dir):
        return
    from virta.progress import step

    packages = project_dir / "dbt_packages"
    with step("Installing dbt packages (automate_dv, dbt_utils) with `dbt deps`"):
        env = dbt_env()
        env["DBT_PROFILES_DIR"] = env["DBT_PROJECT_DIR"] = str(project_dir)
        result = subprocess.run([dbt_executable(), "deps"], cwd=project_dir, env=env, capture_output=True, text=True)
        if result.returncode != 0 or not all(
            (packages / name / "dbt_project.yml").exists() for name in REQUIRED_PACKAGES
        ):
            hub = os.environ.get("DBT_PACKAGE_HUB_URL", "https://hub.getdbt.com/")
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-6:])
            raise VirtaError(
                f"dbt could not install the packages of packages.yml (automate_dv 0.11.5, dbt_utils) "
                f"from the dbt package hub at {hub}:\n{tail}",
                hint="with internet access dbt reaches hub.getdbt.com itself; offline, set "
                "DBT_PACKAGE_HUB_URL to a hub mirror (see README: 'Offline package installation'), "
                "or copy a dbt_packages/ folder made by `dbt deps` elsewhere into the project",
            )
        (packages / ".virta-deps").write_text(_lock_digest(project_dir))


def run_dbt(args: list[str], conn: Connection, check: bool = False) -> int:
    """Run dbt with output streamed to the terminal (dbt prints its own per-model progress)."""
    result = subprocess.run([dbt_executable(), *args], cwd=PROJECT_ROOT, env=dbt_env(conn))
    if check and result.returncode != 0:
        raise VirtaError(f"`dbt {' '.join(args)}` failed (exit {result.returncode}); see its output above",
                         exit_code=result.returncode or 1)
    return result.returncode
