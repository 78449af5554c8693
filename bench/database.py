"""The benchmark's own databases: never the development database, and chosen before Django starts.

BENCH_DATABASE_URL names the database outright. Without it the benchmark uses the server the
application would use (DATABASE_URL, or the embedded PostgreSQL in var/postgres) with the database
name `packline_bench`; suites that need a second, small database add `_small` to that name.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DATABASE = "packline_bench"
VAR_DIR = Path(__file__).resolve().parent.parent / "var"


def with_name(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL", "")
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        from config.embedded import embedded_database_url

        base = embedded_database_url(VAR_DIR)
    return with_name(base, BENCH_DATABASE)


def ensure_database(url: str) -> bool:
    """Create the database named in `url` on its server when it is missing; True when it was created."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{key: value for key, value in params.items() if value is not None}) as maintenance:
        exists = maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if exists:
            return False
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        return True


def use_bench_database() -> str:
    """Point this process's DATABASE_URL at the benchmark database (created if missing); call it
    before django.setup(). Returns the URL."""
    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    return url
