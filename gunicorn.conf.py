"""gunicorn's settings for the web processes, read with `gunicorn -c gunicorn.conf.py` (compose's
web service, the image's command, docker/production-smoke and docs/operations.md).

Each value is set on purpose; the environment may change the ones a deployment tunes.
"""

import multiprocessing
import os

# Where to listen; the image binds 0.0.0.0:8000 on its command line, which wins over this.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers, each about 90 MB once warm (bench/web_footprint.py): 2 per core plus
# one by default, capped at 9 so a large machine does not start dozens; WEB_CONCURRENCY sets it.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
# Every page and API list is bounded (reviewing comes a window of sentences at a time); the
# longest legitimate request is an upload of many seed files, each parsed and stored in the
# request. A worker silent this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
# On a restart or SIGTERM, requests in flight get this long to finish before the worker is killed.
graceful_timeout = 30
# Recycle each worker after this many requests (a random 0-100 more, so they do not all restart
# at once): memory a worker gained from a large request or a leak goes back to the system.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 1000)
max_requests_jitter = 100
# The application is imported once, in the master, and each worker is forked from it: a worker
# replaced under load starts in milliseconds instead of importing Django again (1-2 s of CPU on
# a 2-core machine, during which requests waited: p99 of 1.5-1.8 s in bench/load_api.py). Nothing
# opens a connection at import. New code needs a restart of the master, not a HUP.
preload_app = True
# Behind a reverse proxy that reuses connections; above its idle timeout is not needed.
keepalive = 5
# Access and error logs to stdout and stderr: the supervisor (compose, systemd) keeps them.
accesslog = "-"
errorlog = "-"
# The application's own log (Django's, to stderr) goes where the error log goes, also when
# --error-logfile names a file: a daemonized gunicorn would otherwise drop it.
capture_output = True
