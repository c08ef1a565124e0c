"""The import page in the admin: upload a CSV file, read its dry run, confirm.

The page runs the same import as ``manage.py import_data`` (``run_import``
with the KIND's importer), first as a dry run whose report shows the counts,
every problem with its line and column, and the first rows as planned; then,
once the manager confirms, for real, as the signed-in manager (the admin log
names them). The file waits in between in a private folder
(``crm.dataio.uploads``), its token in the session. Files larger than the
page takes are refused with a pointer to the command: the page runs within
one request.
"""

import codecs

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.dataio import (
    DELIMITERS,
    Importer,
    Options,
    UnusableInput,
    registry,
    run_import,
    uploads,
)
from crm.dataio.detect import detect_kinds, read_header

PREVIEW_ROWS = 10
SESSION_KEY = "crm_imports"  # token -> {"kind", "name", "options"}
KEPT = 5  # uploads a session keeps waiting at most
COMMAND = "python manage.py import_data KIND FILE"


def importable_kinds(user) -> dict[str, type[Importer]]:
    """The KINDs ``user`` may import: those whose rows they may add and change."""
    if not (user.is_active and user.is_staff):
        return {}
    return {
        kind: importer
        for kind, importer in registry().items()
        if user.has_perms(
            [
                f"{importer.model._meta.app_label}.{action}_"
                f"{importer.model._meta.model_name}"
                for action in ("add", "change")
            ]
        )
    }


def kind_label(importer: type[Importer]) -> str:
    """The KIND as the command names it, with its rows' name when that differs."""
    rows = str(importer.model._meta.verbose_name_plural)
    if rows.casefold() == importer.kind.replace("-", " "):
        return importer.kind
    return f"{importer.kind} ({rows})"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        required=False,
        help_text=gettext_lazy(
            "Leave it to be detected from the header line, or choose the kind."
        ),
    )
    file = forms.FileField(label=gettext_lazy("CSV file"))
    encoding = forms.CharField(
        label=gettext_lazy("Encoding"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "For example utf-8 or cp1252; empty: detected (UTF-8, UTF-8 with "
            "BOM or Windows-1252)."
        ),
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Column delimiter"),
        required=False,
        choices=[
            ("", gettext_lazy("Detected from the header line")),
            (",", gettext_lazy("Comma")),
            (";", gettext_lazy("Semicolon")),
            ("tab", gettext_lazy("Tab")),
        ],
    )
    date_format = forms.CharField(
        label=gettext_lazy("Date format"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "A strptime format such as %m/%d/%Y; empty: 2026-11-25 or 25.11.2026."
        ),
    )
    ignore_unknown_columns = forms.BooleanField(
        label=gettext_lazy("Skip columns the kind does not know, with a warning"),
        label_suffix="",
        required=False,
    )

    def __init__(self, *args, kinds: dict[str, type[Importer]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.fields["kind"].choices = [
            ("", _("Detect from the header line")),
            *((kind, kind_label(importer)) for kind, importer in kinds.items()),
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        too_large = _(
            "The page takes files of up to %(lines)s data lines and %(megabytes)s "
            "MB; import larger ones with the command: %(command)s"
        ) % {
            "lines": formats.localize(settings.CRM_IMPORT_MAX_LINES),
            "megabytes": settings.CRM_IMPORT_MAX_BYTES // (1024 * 1024),
            "command": COMMAND,
        }
        if upload.size > settings.CRM_IMPORT_MAX_BYTES:
            raise ValidationError(too_large, code="too_large")
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        newlines, last = 0, b""
        for chunk in upload.chunks():
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
        data_lines = newlines + (last != b"\n") - 1  # less the header line
        if data_lines > settings.CRM_IMPORT_MAX_LINES:
            raise ValidationError(too_large, code="too_large")
        return upload

    def clean_encoding(self):
        encoding = self.cleaned_data["encoding"].strip()
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ValidationError(
                    _("Unknown encoding “%(name)s”.") % {"name": encoding},
                    code="unknown_encoding",
                ) from None
        return encoding

    def options(self) -> dict:
        """The import's options, as the session keeps them."""
        data = self.cleaned_data
        return {
            "encoding": data["encoding"] or None,
            "delimiter": DELIMITERS.get(data["delimiter"]),
            "date_format": data["date_format"] or None,
            "ignore_unknown_columns": data["ignore_unknown_columns"],
        }

    def kind_of(self, path) -> tuple[str, bool]:
        """The KIND chosen, or detected from the file's header (and whether
        it was detected); a ValidationError when it cannot be told, and
        UnusableInput when the header cannot be read."""
        header = read_header(path, Options(**self.options()))  # readable?
        if self.cleaned_data["kind"]:
            return self.cleaned_data["kind"], False
        found = detect_kinds(header, self.kinds)
        if len(found) == 1:
            return found[0], True
        if found:
            message = _(
                "The header fits %(kinds)s equally well: choose what the file holds."
            ) % {"kinds": ", ".join(found)}
        else:
            message = _(
                "The header fits no kind you may import: choose what the file "
                "holds, and the report will name the columns it does not know."
            )
        raise ValidationError(message, code="kind_unknown")


def upload(request):
    """The upload form; a valid upload is checked and its report shown."""
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    if request.method != "POST":
        wanted = request.GET.get("kind")
        form = ImportForm(
            kinds=kinds, initial={"kind": wanted if wanted in kinds else ""}
        )
        return _upload_page(request, form)
    form = ImportForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        return _upload_page(request, form)
    token, path = uploads.save(form.cleaned_data["file"])
    options = form.options()
    try:
        kind, detected = form.kind_of(path)
        result = run_import(
            kinds[kind],
            str(path),
            Options(**options, dry_run=True, preview=PREVIEW_ROWS),
            user=request.user,
        )
    except ValidationError as exc:
        uploads.remove(token)
        form.add_error("kind", exc)
        return _upload_page(request, form)
    except UnusableInput as exc:
        uploads.remove(token)
        form.add_error("file", str(exc).replace(str(path), path.name))
        return _upload_page(request, form)
    if result.problems.errors:
        uploads.remove(token)  # nothing to confirm: the file must change
        token = None
    else:
        _keep(request, token, {"kind": kind, "name": path.name, "options": options})
    return _report(request, kinds[kind], path.name, result, token, detected)


@require_POST
def confirm(request):
    """Import the file the dry run checked, for real (or drop it: cancel)."""
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    token = request.POST.get("token", "")
    waiting = request.session.get(SESSION_KEY, {})
    pending = waiting.get(token) if isinstance(token, str) else None
    path = uploads.path_of(token, pending["name"]) if pending else None
    if path is None or pending["kind"] not in kinds:
        _forget(request, token)
        messages.error(
            request,
            _(
                "That upload is not waiting for a confirmation (any more): upload the "
                "file again."
            ),
        )
        return redirect("admin_import")
    if "cancel" in request.POST:
        _forget(request, token)
        messages.info(
            request, _("Nothing was imported from %(file)s.") % {"file": path.name}
        )
        return redirect("admin_import")
    importer = kinds[pending["kind"]]
    try:
        result = run_import(
            importer,
            str(path),
            Options(**pending["options"], preview=PREVIEW_ROWS),
            user=request.user,
        )
    except UnusableInput as exc:
        messages.error(request, str(exc).replace(str(path), path.name))
        return redirect("admin_import")
    finally:
        _forget(request, token)
    if result.problems.errors:  # the database changed since the dry run
        return _report(request, importer, path.name, result, None, False)
    messages.success(
        request,
        _(
            "Imported %(rows)s rows of %(kind)s from %(file)s: %(created)s created, "
            "%(updated)s updated, %(unchanged)s unchanged."
        )
        % {
            "rows": result.rows,
            "kind": importer.kind,
            "file": path.name,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return redirect(_changelist(importer))


def _changelist(importer: type[Importer]) -> str:
    meta = importer.model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return reverse("admin:index")


def _keep(request, token: str, upload_data: dict) -> None:
    waiting = dict(request.session.get(SESSION_KEY, {}))
    waiting[token] = upload_data
    while len(waiting) > KEPT:  # the oldest goes (dicts keep their order)
        oldest = next(iter(waiting))
        uploads.remove(oldest)
        del waiting[oldest]
    request.session[SESSION_KEY] = waiting


def _forget(request, token) -> None:
    uploads.remove(token)
    waiting = dict(request.session.get(SESSION_KEY, {}))
    if waiting.pop(token, None) is not None:
        request.session[SESSION_KEY] = waiting


TITLE = gettext_lazy("Import a CSV file")


def _context(request, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": TITLE,
        "max_lines": settings.CRM_IMPORT_MAX_LINES,
        "max_megabytes": settings.CRM_IMPORT_MAX_BYTES // (1024 * 1024),
        "command": COMMAND,
        **extra,
    }


def _upload_page(request, form) -> TemplateResponse:
    return TemplateResponse(
        request, "admin/crm/import/upload.html", _context(request, form=form)
    )


def _report(request, importer, name, result, token, detected) -> TemplateResponse:
    columns = [c.name for c in importer.columns]
    shown = [c for c in columns if any(c in values for *_, values in result.preview)]
    actions = {
        "create": _("create"),
        "update": _("update"),
        "unchanged": _("unchanged"),
    }
    preview = [
        (line, actions[action], [values.get(c, "") for c in shown])
        for line, action, values in result.preview
    ]
    context = _context(
        request,
        title=_("Import %(file)s: report") % {"file": name},
        kind=kind_label(importer),
        detected=detected,
        file_name=name,
        result=result,
        errors=sorted(result.problems.errors),
        warnings=result.problems.warnings,
        columns=shown,
        preview=preview,
        token=token,
    )
    return TemplateResponse(request, "admin/crm/import/report.html", context)
