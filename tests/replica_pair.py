"""A PostgreSQL primary and its hot standby in a temporary folder, for tests/test_replicas.py: initdb
(no fsync), the test database's schema and reference data restored into the primary, pg_basebackup -R
into the standby, each on its own port. Nothing touches the machine's own PostgreSQL but one pg_dump
of the (small) test database."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from config.replicas.health import lsn_number, primary_end

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres", "pg_dump", "pg_restore")
DATABASE = "packline"
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{folder}'
wal_level = replica
hot_standby = on
max_wal_senders = 4
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 40
"""


def missing_reason() -> str | None:
    for tool in TOOLS:
        if not (BIN / tool).exists():
            return f"no {BIN / tool} (PostgreSQL's server binaries; set PG_BIN to their folder)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run the test servers as"
        if not shutil.which("runuser"):
            return "running as root without runuser to run the test servers as postgres"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL's servers refuse to run as root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120, **kwargs)


@dataclass
class Server:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        _run(
            _as_owner(
                [str(BIN / "pg_ctl"), "-D", str(self.folder), "-l", f"{self.folder}.log", "-w", "start"]
            )
        )

    def stop(self) -> None:
        subprocess.run(
            _as_owner([str(BIN / "pg_ctl"), "-D", str(self.folder), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def one(self, sql: str, params=None):
        with self.connect() as connection:
            return connection.execute(sql, params).fetchone()


class Pair:
    def __init__(self, source: dict):
        self.root = Path(tempfile.mkdtemp(prefix="packline-replicas-"))
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.primary = Server(self.root / "primary", free_port())
        self.standby = Server(self.root / "standby", free_port())
        self.source = source

    def start(self) -> None:
        primary = self.primary
        _run(
            _as_owner(
                [
                    str(BIN / "initdb"),
                    "-D",
                    str(primary.folder),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            )
        )
        with (primary.folder / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_SETTINGS.format(folder=self.root) + f"port = {primary.port}\n")
        with (primary.folder / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        self._restore_schema()
        _run(
            _as_owner(
                [
                    str(BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary.port),
                    "-U",
                    "postgres",
                    "-D",
                    str(self.standby.folder),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            )
        )
        with (self.standby.folder / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {self.standby.port}\n")
        self.standby.start()
        self.wait_replayed()

    def _restore_schema(self) -> None:
        """The test database as pytest-django migrated it (tables, reference data, roles)."""
        source = self.source
        dump = self.root / "test-database.dump"
        env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
        _run(
            [
                str(BIN / "pg_dump"),
                "-Fc",
                "--no-owner",
                "--no-acl",
                "-h",
                source["HOST"] or "127.0.0.1",
                "-p",
                str(source["PORT"] or 5432),
                "-U",
                source["USER"] or "postgres",
                "-f",
                str(dump),
                source["NAME"],
            ],
            env=env,
        )
        with psycopg.connect(self.primary.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        _run(
            [
                str(BIN / "pg_restore"),
                "--no-owner",
                "--no-acl",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                "postgres",
                "-d",
                DATABASE,
                str(dump),
            ]
        )

    def wait_replayed(self, timeout: float = 15) -> None:
        """Until the standby has replayed all the primary has written so far (health.primary_end)."""
        with self.primary.connect() as connection:
            target = primary_end(connection.cursor())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if lsn_number(self.standby.one("SELECT pg_last_wal_replay_lsn()::text")[0]) >= target:
                return
            time.sleep(0.05)
        raise AssertionError(f"the standby did not replay up to {target} in {timeout} s")

    def pause_replay(self) -> None:
        self.standby.one("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.standby.one("SELECT pg_wal_replay_resume()")
        self.wait_replayed()

    def stop(self) -> None:
        self.standby.stop()
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)
