"""Test settings: the project's settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-" + "x" * 50)

from crm.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Templates find static files without collectstatic's manifest (a test runs
# collectstatic itself and checks what production serves).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Nothing cached across requests, so each page's pinned query count holds
# from its first request on (tests/crm/test_permissions.py checks the cache).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# No collected files to scan at start-up: WhiteNoise finds them as needed.
WHITENOISE_AUTOREFRESH = True

# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
