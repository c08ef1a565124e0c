"""Helpers for the import and export tests: write a file, run a command."""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError


def write(tmp_path, text: str, name: str = "data.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(command: str, *args, **options) -> tuple[int, str, str]:
    """Call a command; return its exit status, stdout and stderr."""
    out, err = StringIO(), StringIO()
    try:
        call_command(
            command, *[str(a) for a in args], stdout=out, stderr=err, **options
        )
        status = 0
    except CommandError as exc:
        err.write(str(exc))
        status = exc.returncode
    return status, out.getvalue(), err.getvalue()


def import_text(tmp_path, kind: str, text: str, *args, encoding="utf-8", **options):
    path = write(tmp_path, text, encoding=encoding)
    return run("import_data", kind, path, *args, **options)
