"""The import page in the admin: upload, dry-run report, confirm."""

import os
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from contacts.models import Contact, Salesperson
from crm import import_pages
from crm.dataio import uploads
from tests.crm.test_security import INLINE_SCRIPT, INLINE_STYLE
from tests.factories import SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("admin_import")
CONFIRM = reverse("admin_import_confirm")
SALESPEOPLE = "Code;Name;Commission %\nAH;Anna H;3,5\nJK;Jussi K;4\n"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.CRM_IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.CRM_IMPORT_UPLOAD_DIR


def waiting(upload_dir) -> list[str]:
    """The uploads kept on the server."""
    return sorted(os.listdir(upload_dir)) if upload_dir.exists() else []


def csv_file(text: str, name: str = "salespeople.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, text=SALESPEOPLE, kind="", name="salespeople.csv", **fields):
    data = {"kind": kind, "file": csv_file(text, name), **fields}
    return client.post(PAGE, data)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


# -- who sees it ------------------------------------------------------------------


def test_the_page_needs_a_signed_in_manager(client, rep):
    assert "login" in client.get(PAGE)["Location"]
    client.force_login(rep)  # a rep is not staff: the admin's sign-in
    for response in (client.get(PAGE), client.post(CONFIRM, {"token": "x"})):
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_staff_without_permission_to_add_rows_is_refused(client):
    clerk = UserFactory(username="clerk")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert client.get(PAGE).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert (
        "Import a CSV file" not in client.get(reverse("admin:index")).content.decode()
    )


def test_the_admin_index_and_changelists_link_the_page(signed_in):
    index = signed_in.get(reverse("admin:index")).content.decode()
    assert f'href="{PAGE}"' in index
    changelist = signed_in.get(reverse("admin:contacts_salesperson_changelist"))
    assert f'href="{PAGE}?kind=salespeople"' in changelist.content.decode()


def test_the_page_states_its_limit_and_the_command_for_larger_files(
    signed_in, settings
):
    settings.CRM_IMPORT_MAX_LINES = 500
    page = signed_in.get(PAGE, {"kind": "contacts"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "500 data lines and 10 MB" in text
    assert "python manage.py import_data KIND FILE" in text
    assert page.context["form"]["kind"].value() == "contacts"
    kinds = dict(page.context["form"].fields["kind"].choices)
    assert {"salespeople", "contacts", "opportunities", "tasks"} <= kinds.keys()


# -- the dry run ------------------------------------------------------------------


def test_the_kind_is_detected_and_the_dry_run_writes_nothing(signed_in, upload_dir):
    SalespersonFactory(code="AH", name="Anna")
    response = upload(signed_in)
    assert response.status_code == 200
    assert response.context["kind"].startswith("salespeople")
    assert response.context["detected"] is True
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert set(Salesperson.objects.values_list("code", flat=True)) == {"AH", "MGR"}
    assert not LogEntry.objects.exists()
    page = response.content.decode()
    assert "detected from the header line" in page
    assert 'name="token"' in page
    assert len(waiting(upload_dir)) == 1  # kept for the confirm


def test_a_chosen_kind_is_not_detected(signed_in):
    response = upload(signed_in, kind="salespeople")
    assert response.context["detected"] is False
    assert "detected from the header line" not in response.content.decode()


@pytest.mark.parametrize(
    "header, message",
    [
        ("colour;size", "fits no kind"),
        ("code;phone", "fits no kind"),  # salespeople need a name
    ],
)
def test_a_header_that_fits_no_kind_asks_for_the_kind(
    signed_in, upload_dir, header, message
):
    response = upload(signed_in, text=f"{header}\nred;big\n")
    assert response.status_code == 200
    assert message in response.context["form"].errors["kind"][0]
    assert waiting(upload_dir) == []


def test_a_header_fitting_two_kinds_equally_asks_for_the_kind(signed_in, monkeypatch):
    kinds = import_pages.registry()
    twin = type("Twin", (kinds["sales-cycles"],), {"kind": "twin-cycles"})
    monkeypatch.setattr(
        import_pages, "registry", lambda: {**kinds, "twin-cycles": twin}
    )
    response = upload(signed_in, text="code,description\nC1,One\n")
    error = response.context["form"].errors["kind"][0]
    assert "sales-cycles, twin-cycles equally well" in error


def test_every_problem_is_reported_with_its_line_and_column(signed_in, upload_dir):
    text = "code,name,commission_pct\nAH,Anna,abc\nJK,,4\nAH,Again,1\n"
    response = upload(signed_in, text=text)
    errors = [(p.line, p.column) for p in response.context["errors"]]
    assert errors == [(2, "commission_pct"), (3, "name"), (4, "code")]
    page = response.content.decode()
    assert "“abc” is not a number." in page
    assert "Duplicate of line 2." in page
    assert 'name="token"' not in page  # nothing to confirm
    assert waiting(upload_dir) == []
    assert not Salesperson.objects.filter(code__in=["AH", "JK"]).exists()


def test_the_report_shows_the_first_ten_rows_as_they_will_be_stored(signed_in):
    rows = "".join(f"S{n:02d};Name {n};1 234,5\n" for n in range(12))
    text = "Code;Name;Commission %\n" + rows.replace("1 234,5", "12,5")
    response = upload(signed_in, text=text)
    preview = response.context["preview"]
    assert response.context["columns"] == ["code", "name", "commission_pct"]
    assert len(preview) == 10
    assert preview[0] == (2, "create", ["S00", "Name 0", "12.5"])
    assert preview[-1][0] == 11
    assert "The first 10 rows as they will be stored" in response.content.decode()


# -- bad input --------------------------------------------------------------------


def test_a_file_too_large_is_refused_with_the_command_to_use(
    signed_in, settings, upload_dir
):
    settings.CRM_IMPORT_MAX_LINES = 2
    response = upload(signed_in, text=SALESPEOPLE + "XX;Xavier;1")  # 3 data lines
    error = response.context["form"].errors["file"][0]
    assert "up to 2 data lines" in error
    assert "python manage.py import_data KIND FILE" in error
    assert waiting(upload_dir) == []
    assert upload(signed_in).context["result"].created == 2  # two lines pass
    settings.CRM_IMPORT_MAX_BYTES = 10
    assert "file" in upload(signed_in).context["form"].errors


def test_unreadable_files_and_options_are_form_errors(signed_in, upload_dir):
    utf16 = signed_in.post(
        PAGE,
        {"file": csv_file(SALESPEOPLE, encoding="utf-16"), "kind": "salespeople"},
    )
    assert "UTF-16" in utf16.context["form"].errors["file"][0]
    assert str(upload_dir) not in utf16.content.decode()
    empty = signed_in.post(PAGE, {"file": csv_file("")})
    assert "file" in empty.context["form"].errors
    encoding = upload(signed_in, encoding="klingon")
    assert "Unknown encoding “klingon”." in encoding.context["form"].errors["encoding"]
    unknown = upload(signed_in, kind="spaceships")
    assert "kind" in unknown.context["form"].errors
    assert waiting(upload_dir) == []


def test_the_options_reach_the_import(signed_in):
    text = "code|name\nAH|Anna\n".replace("|", "\t")
    response = upload(signed_in, text=text, delimiter="tab", kind="salespeople")
    assert response.context["result"].created == 1


# -- confirming -------------------------------------------------------------------


def confirm(client, response, **extra):
    token = response.context["token"]
    return client.post(CONFIRM, {"token": token, "confirm": "1", **extra})


def test_confirm_imports_as_the_manager_and_removes_the_file(
    signed_in, manager, upload_dir
):
    report = upload(signed_in)
    response = confirm(signed_in, report)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:contacts_salesperson_changelist")
    assert Salesperson.objects.get(code="JK").name == "Jussi K"
    log = LogEntry.objects.get()
    assert (log.user, log.object_repr) == (manager, "salespeople.csv")
    assert "Imported 2 rows from salespeople.csv" in log.change_message
    assert waiting(upload_dir) == []
    assert signed_in.session[import_pages.SESSION_KEY] == {}
    shown = signed_in.get(response["Location"]).content.decode()
    assert "Imported 2 rows of salespeople from salespeople.csv" in shown
    again = confirm(signed_in, report)  # the same upload twice: once only
    assert again["Location"] == PAGE
    assert LogEntry.objects.count() == 1


def test_a_confirm_that_now_fails_reports_and_writes_nothing(signed_in, upload_dir):
    SalespersonFactory(code="AH")
    report = upload(signed_in, text="number,name,salesperson\nCT1,Oy Ab,AH\n")
    Salesperson.objects.filter(code="AH").delete()  # after the dry run
    response = confirm(signed_in, report)
    assert response.status_code == 200
    assert [(p.line, p.column) for p in response.context["errors"]] == [
        (2, "salesperson")
    ]
    assert 'name="token"' not in response.content.decode()
    assert not Contact.objects.exists()
    assert not LogEntry.objects.exists()
    assert waiting(upload_dir) == []


def test_cancel_drops_the_upload(signed_in, upload_dir):
    report = upload(signed_in)
    response = signed_in.post(
        CONFIRM, {"token": report.context["token"], "cancel": "1"}
    )
    assert response["Location"] == PAGE
    assert waiting(upload_dir) == []
    assert not Salesperson.objects.filter(code="JK").exists()


@pytest.mark.parametrize(
    "token",
    ["../../../../etc/passwd", "a" * 32, "", "../" + "a" * 29, "a" * 31 + "/"],
)
def test_a_tampered_token_reaches_no_file(signed_in, upload_dir, token):
    report = upload(signed_in)
    response = signed_in.post(CONFIRM, {"token": token, "confirm": "1"})
    assert response["Location"] == PAGE
    assert not Salesperson.objects.filter(code="JK").exists()
    assert len(waiting(upload_dir)) == 1  # the real upload still waits
    assert confirm(signed_in, report).status_code == 302


def test_another_users_upload_cannot_be_confirmed(signed_in):
    report = upload(signed_in)
    other = Client()
    boss = UserFactory(username="boss", role="Sales managers")
    other.force_login(boss)
    response = other.post(CONFIRM, {"token": report.context["token"]})
    assert response["Location"] == PAGE
    assert not Salesperson.objects.filter(code="JK").exists()


def test_uploads_older_than_a_day_are_removed(signed_in, upload_dir):
    upload(signed_in)
    (old,) = waiting(upload_dir)
    day_ago = time.time() - uploads.MAX_AGE - 60
    os.utime(upload_dir / old, (day_ago, day_ago))
    report = upload(signed_in)
    assert waiting(upload_dir) == [report.context["token"]]


def test_a_saved_upload_stays_in_its_folder(upload_dir):
    token, path = uploads.save(csv_file("x", name="../../evil name.csv"))
    assert path == upload_dir / token / "evil_name.csv"
    assert uploads.path_of(token, "../" + token + "/evil_name.csv") == path
    assert uploads.path_of(token, "other.csv") is None
    assert uploads.path_of("../" + token, "evil_name.csv") is None


# -- cost -------------------------------------------------------------------------


def test_the_dry_run_takes_a_fixed_number_of_queries(
    signed_in, django_assert_num_queries
):
    signed_in.get(PAGE)  # the session exists
    text = "code,name\n" + "".join(f"S{n},Name {n}\n" for n in range(50))
    # The session, the user, the user's and their groups' permissions; the
    # import's savepoint, its one look-up of the salespeople by code and the
    # rollback and release of the savepoint (a dry run); the session saved
    # with the upload's token, in a savepoint of its own (3). As many for 50
    # rows as for one: no query per row.
    with django_assert_num_queries(11):
        upload(signed_in, text=text)


def test_the_pages_need_no_inline_script_or_style(signed_in):
    pages = [signed_in.get(PAGE), upload(signed_in), upload(signed_in, text="a\n1\n")]
    pages.append(upload(signed_in, text="code,name\nAH,\n"))  # with problems
    for response in pages:
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page)
        assert not INLINE_STYLE.search(page)
