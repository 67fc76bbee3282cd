"""Where things live: the project root and the git-ignored state folder (.virta/ by default)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    """Project-local state: embedded database, keys, locks. Override with VIRTA_HOME (tests do)."""
    path = Path(os.environ.get("VIRTA_HOME") or PROJECT_ROOT / ".virta").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def target_dir() -> Path:
    return Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_ROOT / "target").resolve()
