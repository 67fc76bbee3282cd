"""A lock so that two `virta run` jobs never load and build the same warehouse at once."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager

from virta.errors import VirtaError
from virta.paths import state_dir


@contextmanager
def run_lock(name: str = "run", wait: float = 0):
    """Held for the whole job; `wait` seconds to queue behind another holder (an orchestrator's step)
    before giving up, none by default (a second command line run is refused at once)."""
    path = state_dir() / f"{name}.lock"
    fh = open(path, "a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(2)
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
