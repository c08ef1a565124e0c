"""``create_salesperson_user``: onboarding a salesperson's login from the shell."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.factories import SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


class Terminal(StringIO):
    """Standard input as if someone were at the keyboard."""

    def isatty(self) -> bool:
        return True


def run(*args, **options) -> str:
    out = StringIO()
    call_command("create_salesperson_user", *args, stdout=out, **options)
    return out.getvalue()


def groups(user) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


@pytest.fixture
def jk(db):
    return SalespersonFactory(
        code="JK", name="Jussi Korhonen", email="jussi.korhonen@example.com"
    )


def test_creates_a_rep_login_linked_to_the_salesperson(jk):
    output = run("JK", role="rep", username="jussi", password="Kahvi-ja-pulla-42")

    user = User.objects.get(username="jussi")
    jk.refresh_from_db()
    assert jk.user == user
    assert user.is_staff is False
    assert user.is_superuser is False
    assert groups(user) == ["Sales reps"]
    assert (user.first_name, user.last_name) == ("Jussi", "Korhonen")
    assert user.email == "jussi.korhonen@example.com"
    assert user.check_password("Kahvi-ja-pulla-42")
    assert "Created sales rep login 'jussi' for salesperson JK" in output
    assert "Kahvi-ja-pulla-42" not in output


def test_creates_a_manager_login_as_staff_with_the_given_email(jk):
    run(
        "JK",
        role="manager",
        username="jussi",
        email="jussi@crm.example",
        password="Kahvi-ja-pulla-42",
    )

    user = User.objects.get(username="jussi")
    assert user.is_staff is True
    assert groups(user) == ["Sales managers"]
    assert user.email == "jussi@crm.example"
    assert user.has_perm("opportunities.reopen_opportunity")


def test_without_input_a_password_is_generated_and_printed_once(jk):
    output = run("JK", role="rep", username="jussi", interactive=False)

    password = next(
        line.removeprefix("Password: ")
        for line in output.splitlines()
        if line.startswith("Password: ")
    )
    assert len(password) >= 16
    assert User.objects.get(username="jussi").check_password(password)


def test_the_password_is_asked_for_twice_at_a_terminal(jk, monkeypatch):
    answers = iter(["short", "short", "Revontulet-2026", "Revontulet-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    err = StringIO()

    output = run("JK", role="rep", username="jussi", stdin=Terminal(), stderr=err)

    assert User.objects.get(username="jussi").check_password("Revontulet-2026")
    assert "too short" in err.getvalue()
    assert "Password:" not in output


def test_mismatched_passwords_are_asked_again(jk, monkeypatch):
    answers = iter(["Revontulet-2026", "Revontulet-2025", "Revontulet-2026"] * 2)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    err = StringIO()

    run("JK", role="rep", username="jussi", stdin=Terminal(), stderr=err)

    assert "do not match" in err.getvalue()
    assert User.objects.get(username="jussi").check_password("Revontulet-2026")


def test_an_empty_answer_at_the_prompt_generates_a_password(jk, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "")

    output = run("JK", role="rep", username="jussi", stdin=Terminal())

    assert "Password: " in output


def test_a_second_run_updates_the_linked_login_and_keeps_its_password(jk):
    run("JK", role="rep", username="jussi", password="Kahvi-ja-pulla-42")

    output = run("JK", role="manager", email="jussi@crm.example")

    user = User.objects.get(username="jussi")
    assert User.objects.count() == 1
    assert user.is_staff is True
    assert groups(user) == ["Sales managers"]
    assert user.email == "jussi@crm.example"
    assert user.check_password("Kahvi-ja-pulla-42")
    assert "Updated sales manager login 'jussi'" in output

    run("JK", role="rep", username="jussi")

    user.refresh_from_db()
    assert user.is_staff is False
    assert groups(user) == ["Sales reps"]
    assert user.email == "jussi@crm.example"


def test_reset_password_gives_the_linked_login_a_new_one(jk):
    run("JK", role="rep", username="jussi", password="Kahvi-ja-pulla-42")

    output = run("JK", role="rep", reset_password=True, interactive=False)

    user = User.objects.get(username="jussi")
    assert not user.check_password("Kahvi-ja-pulla-42")
    assert "Password: " in output


def test_unknown_salesperson_is_refused(jk):
    with pytest.raises(CommandError, match=r"no salesperson with code 'XX'.*JK"):
        run("XX", role="rep", username="x", password="Kahvi-ja-pulla-42")
    assert not User.objects.exists()


def test_taken_username_is_refused(jk):
    UserFactory(username="jussi")

    with pytest.raises(CommandError, match="username 'jussi' is taken"):
        run("JK", role="rep", username="jussi", password="Kahvi-ja-pulla-42")
    jk.refresh_from_db()
    assert jk.user is None


def test_username_of_another_salespersons_login_is_refused(jk):
    SalespersonFactory(code="AH", user=UserFactory(username="anna"))

    with pytest.raises(CommandError, match="login of salesperson AH"):
        run("JK", role="rep", username="anna", password="Kahvi-ja-pulla-42")


def test_salesperson_linked_to_another_login_is_refused(jk):
    jk.user = UserFactory(username="jussi")
    jk.save()

    with pytest.raises(CommandError, match="already linked to the login 'jussi'"):
        run("JK", role="rep", username="jkorhonen", password="Kahvi-ja-pulla-42")
    assert not User.objects.filter(username="jkorhonen").exists()


def test_a_new_login_needs_a_username(jk):
    with pytest.raises(CommandError, match="--username"):
        run("JK", role="rep", password="Kahvi-ja-pulla-42")


def test_a_weak_password_is_refused_and_nothing_is_written(jk):
    with pytest.raises(CommandError, match="password was refused.*too short"):
        run("JK", role="rep", username="jussi", password="1234")
    assert not User.objects.exists()


def test_an_invalid_username_is_refused(jk):
    with pytest.raises(CommandError, match="cannot be used"):
        run("JK", role="rep", username="jussi korhonen", password="Kahvi-ja-42x")


def test_the_role_must_be_rep_or_manager(jk):
    with pytest.raises(CommandError, match="invalid choice: 'admin'"):
        call_command(
            "create_salesperson_user", "JK", "--role", "admin", "--username", "j"
        )
