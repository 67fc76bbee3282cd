"""Run a snippet in a fresh interpreter with a given hash seed and return what it prints: the way to
show that output does not depend on set or dict iteration order within one process."""

import os
import subprocess
import sys

from virta.paths import PROJECT_ROOT


def digest_in_subprocess(code: str, hash_seed: int) -> str:
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()
