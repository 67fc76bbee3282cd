"""A lock so that two `virta run` jobs never load and build the same warehouse at once."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager

from virta.errors import VirtaError
from virta.paths import state_dir


@contextmanager
def run_lock(name: str = "run"):
    path = state_dir() / f"{name}.lock"
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise VirtaError(
            f"another `virta {name}` is already running (pid {holder}) on this project",
            hint="wait for it to finish; the lock is released when that process ends",
        ) from None
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
