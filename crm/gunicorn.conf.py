"""gunicorn's settings for ``make serve`` (read from the environment).

GUNICORN_BIND      address to listen on (default 127.0.0.1:8000; a proxy in
                   front terminates TLS)
GUNICORN_WORKERS   worker processes (default: 2 per CPU core, and one)
GUNICORN_THREADS   threads per worker (default 4): requests wait on PostgreSQL
                   more than they compute, and a kept-alive connection stays
                   with its worker, so each worker needs room for several
"""

import multiprocessing
import os

# The app logs to standard output too (crm/settings.py), beside the access log.
os.environ.setdefault("DJANGO_LOG_STREAM", "stdout")

wsgi_app = "crm.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# Load the app before forking: workers share its memory and start at once.
preload_app = True
# Restart a worker now and then, so no slow leak can grow for ever.
max_requests = 10_000
max_requests_jitter = 1_000
timeout = 30
# Keep-alive, as gunicorn's default: a client (or a proxy that keeps its
# upstream connections) saves a connection per request. Behind a proxy that
# opens one per request, such as nginx without ``keepalive``, it is unused.
keepalive = 2
graceful_timeout = 30
# Logs go to standard output, for the service manager to keep.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
