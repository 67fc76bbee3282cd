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


class FileProgress:
    """A progress bar for one file at a time, on stderr, by bytes read. Redrawn in place on a
    terminal; elsewhere (cron, a log) a line per 10 % for files of `log_from` bytes or more, and
    nothing for small ones."""

    def __init__(self, stream=None, log_from: int = 256 << 20, width: int = 28):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.log_from, self.width = log_from, width
        self.label, self.total, self.done = "", 0, 0
        self._started = self._drawn = 0.0
        self._logged = -1

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self._started, self._drawn, self._logged = time.monotonic(), 0.0, -1

    def line(self) -> str:
        share = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * self.width)
        return (f"    {self.label:<40.40} [{bar:<{self.width}}] {share:4.0%}  {_size(self.done)}/{_size(self.total)}"
                f"  {_size(rate)}/s  {'eta ' + _duration(left) if share < 1 else _duration(elapsed)}")

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.tty:
            if now - self._drawn >= 0.2:
                self._drawn = now
                print("\r" + self.line(), end="", file=self.stream, flush=True)
        elif self.total >= self.log_from:
            tenth = int(10 * min(done / self.total, 1.0))
            if tenth > self._logged:
                self._logged = tenth
                print(self.line(), file=self.stream, flush=True)

    def finish(self) -> None:
        self.done = max(self.done, self.total)
        if self.tty:
            print("\r" + self.line(), file=self.stream, flush=True)
        elif self.total >= self.log_from and self._logged < 10:
            print(self.line(), file=self.stream, flush=True)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"
