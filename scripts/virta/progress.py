"""Step-wise progress output for long commands."""

import sys
import time
from contextlib import contextmanager


@contextmanager
def step(title: str):
    start = time.monotonic()
    print(f"==> {title}", file=sys.stderr, flush=True)
    yield
    print(f"    done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)


def info(message: str) -> None:
    print(f"    {message}", file=sys.stderr, flush=True)
