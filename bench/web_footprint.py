"""What a web process and a management command cost before they do any work: the resident memory
of a gunicorn worker that has served the main pages, and the start-up time of `manage.py help`.

    python bench/web_footprint.py [--runs 7]

Uses a throwaway SQLite database, DEBUG off, one gunicorn worker on 127.0.0.1. The worker logs
in, serves the article list, the review page, sentence search, the API's article list and the
admin index; then its VmRSS is read from /proc, with the heavy libraries it has loaded.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HEAVY = ("sklearn", "scipy", "numpy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of manage.py help")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")},
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "SECRET_KEY": "bench-only",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SUPERUSER_PASSWORD": "bench-pass-1",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_articles", "seeds/", "-v0")
        manage(env, "createsuperuser", "--noinput", "--username", "bench", "--email", "b@x.org")
        startup = command_startup(env, args.runs)
        print(
            f"manage.py help: median {statistics.median(startup):.2f} s "
            f"(min {min(startup):.2f}, max {max(startup):.2f}, {args.runs} runs)"
        )
        rss, heavy = worker_footprint(env)
        print(f"gunicorn worker after the main pages: {rss / 1024:.0f} MB resident")
        print(f"heavy libraries in the worker: {', '.join(heavy) or 'none'}")


def manage(env: dict, *arguments: str) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def command_startup(env: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "manage.py", "help"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        times.append(time.perf_counter() - started)
    return times


def worker_footprint(env: dict) -> tuple[int, list[str]]:
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "factcheck.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(base)
        with httpx.Client(base_url=base, follow_redirects=True) as client:
            log_in(client, "bench", "bench-pass-1")
            for path in ("/", "/articles/1/", "/search/?q=Ukraine", "/api/articles/", "/admin/"):
                client.get(path).raise_for_status()
        [worker] = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        status = Path(f"/proc/{worker}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        maps = Path(f"/proc/{worker}/maps").read_text()
        heavy = [name for name in HEAVY if f"/site-packages/{name}/" in maps]
        return rss, heavy
    finally:
        server.terminate()
        server.wait(timeout=20)


def log_in(client: httpx.Client, username: str, password: str) -> None:
    """Log the client in through the login form, as a browser does: the form's CSRF token, then
    the post, which redirects when the password is right."""
    form = client.get("/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": str(form.url)},
        follow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"logging in as {username} failed: {response.status_code}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_server(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


if __name__ == "__main__":
    main()
