"""Processes the suites start beside themselves: Celery workers on a broker of the benchmark's own, and
the web server as the Procfile starts it."""

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent


def isolated_broker() -> dict:
    """A broker of the benchmark's own (Redis database 14, or a folder of its own), set for this
    process and returned as the worker's environment: a `make run` worker never takes bench jobs."""
    from config.celery import app

    env = dict(os.environ)
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        env["REDIS_URL"] = redis_url.rsplit("/", 1)[0] + "/14"
        app.conf.broker_url = env["REDIS_URL"]
    else:
        folder = BASE_DIR / "var" / "celery-bench"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        env["CELERY_FS_DIR"] = str(folder)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return env


def deployed(env: dict) -> dict:
    """`env` with the settings of a deployment, for the servers and workers a suite starts: DEBUG off
    (Django's query log and debug cursor off), this process's keys, plain HTTP on 127.0.0.1 (TLS ends at
    the proxy in front)."""
    from django.conf import settings

    return {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "PACKLINE_ENCRYPTION_KEYS": ",".join(settings.SALT_KEY),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def start_worker(env: dict, *, queues: str, concurrency: int = 2) -> subprocess.Popen:
    """A worker as the Procfile runs one (two pool processes, one per core, unless told otherwise)."""
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    (BASE_DIR / "var").mkdir(exist_ok=True)  # a fresh clone has no var/ until something runs
    log = open(BASE_DIR / "var" / "bench-worker.log", "wb")  # noqa: SIM115 - lives as long as the worker
    return subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool", "prefork", "--concurrency", str(concurrency), "--queues", queues,
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def start_web(env: dict, port: int) -> subprocess.Popen:
    """gunicorn exactly as the Procfile's `web` line starts it, on `port`; returns once it answers."""
    line = next(line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = line.split(":", 1)[1].replace("${PORT:-8000}", str(port))
    (BASE_DIR / "var").mkdir(exist_ok=True)
    log = open(BASE_DIR / "var" / "bench-web.log", "wb")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        shlex.split(command), cwd=BASE_DIR, env={**env, "PORT": str(port)}, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.3)
    stop(server)
    raise RuntimeError(f"gunicorn did not answer on port {port}; see var/bench-web.log")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
