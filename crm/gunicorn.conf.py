"""gunicorn's settings for ``make serve`` (read from the environment).

GUNICORN_BIND      address to listen on (default 127.0.0.1:8000; a proxy in
                   front terminates TLS)
GUNICORN_WORKERS   worker processes (default: 2 per CPU core, and one)
GUNICORN_THREADS   threads per worker (default 2): requests wait on PostgreSQL
                   more than they compute
"""

import multiprocessing
import os

# The app logs to standard output too (crm/settings.py), beside the access log.
os.environ.setdefault("DJANGO_LOG_STREAM", "stdout")

wsgi_app = "crm.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# Load the app before forking: workers share its memory and start at once.
preload_app = True
# Restart a worker now and then, so no slow leak can grow for ever.
max_requests = 10_000
max_requests_jitter = 1_000
timeout = 30
# No keep-alive: every request is a new connection, taken by whichever
# worker is free, so none queues behind a busy one (the proxy in front
# keeps the clients' connections).
keepalive = 0
graceful_timeout = 30
# Logs go to standard output, for the service manager to keep.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
