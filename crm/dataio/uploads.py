"""Uploaded files kept between the import page's dry run and its confirm.

Each upload is saved in a folder of its own, named by a random token, under
``settings.CRM_IMPORT_UPLOAD_DIR`` (a private folder, never one the web server
serves). The file keeps its (cleaned) name, so the admin log names the file
the manager chose. A token is the only thing that leaves the server; one that
is not exactly a token's shape names no folder, so nothing outside is reached.
Folders older than ``MAX_AGE`` are removed whenever a file is saved.
"""

import re
import secrets
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename

MAX_AGE = 24 * 60 * 60  # seconds an upload is kept unconfirmed
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def folder() -> Path:
    return Path(settings.CRM_IMPORT_UPLOAD_DIR)


def save(upload) -> tuple[str, Path]:
    """Keep an uploaded file; return its token and where it is."""
    remove_old()
    token = secrets.token_urlsafe(24)
    place = folder() / token
    place.mkdir(mode=0o700, parents=True)
    name = get_valid_filename(Path(upload.name or "").name)[-100:] or "upload.csv"
    path = place / name
    with open(path, "wb") as file:
        for chunk in upload.chunks():
            file.write(chunk)
    return token, path


def path_of(token: str, name: str) -> Path | None:
    """Where the upload ``token`` is, or None when it is not (any more) there."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    path = folder() / token / get_valid_filename(Path(name).name)
    return path if path.is_file() else None


def remove(token: str) -> None:
    if isinstance(token, str) and TOKEN.fullmatch(token):
        shutil.rmtree(folder() / token, ignore_errors=True)


def remove_old(now: float | None = None) -> None:
    """Remove the uploads older than MAX_AGE (left when nobody confirmed)."""
    limit = (now or time.time()) - MAX_AGE
    if not folder().is_dir():
        return
    for place in folder().iterdir():
        if TOKEN.fullmatch(place.name) and place.stat().st_mtime < limit:
            shutil.rmtree(place, ignore_errors=True)
