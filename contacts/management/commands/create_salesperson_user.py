"""Create or update the login of an existing salesperson.

    python manage.py create_salesperson_user JK --role rep --username jussi

A sales rep joins the "Sales reps" group and is not staff; a sales manager
joins "Sales managers" and is staff (the admin is where managers configure the
system). The login is linked to the salesperson, which is how "my
opportunities" is known. Without ``--password`` the password is asked for
twice, or, when nobody is at the keyboard (``--no-input``), generated and
printed once. An existing login keeps its password unless ``--password`` or
``--reset-password`` is given.
"""

import getpass
import secrets
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts.models import Salesperson
from contacts.services import salesperson_update

ROLES = {
    "rep": ("Sales reps", False, "sales rep"),
    "manager": ("Sales managers", True, "sales manager"),
}


class Command(BaseCommand):
    # The input the password prompt checks for a terminal; tests pass their own.
    stealth_options = ("stdin",)
    help = (
        "Create (or update) the login of an existing salesperson as a sales rep or "
        "a sales manager, and link it to the salesperson."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The salesperson's code, e.g. JK.")
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            required=True,
            help="rep: own opportunities, no admin; manager: everyone's, staff.",
        )
        parser.add_argument(
            "--username",
            help="The login name (default: the linked login's, when there is one).",
        )
        parser.add_argument(
            "--email", help="The login's e-mail (default: the salesperson's)."
        )
        parser.add_argument(
            "--password",
            help="The password (beware: it stays in the shell history). "
            "Without it the password is asked for, or generated with --no-input.",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give an existing login a new password (asked for or generated).",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Ask nothing: a password not given is generated and printed.",
        )

    def handle(self, *args, **options):
        group_name, is_staff, role_name = ROLES[options["role"]]
        with transaction.atomic():
            salesperson = self._salesperson(options["code"])
            group = self._group(group_name)
            user = self._user(salesperson, options["username"])
            created = user.pk is None
            if created:
                first, _, last = salesperson.name.partition(" ")
                user.first_name, user.last_name = first, last
            if options["email"] is not None or created:
                user.email = options["email"] or salesperson.email
            password, generated = None, False
            if options["password"] is not None:
                password = options["password"]
                self._validate(password, user)
            elif created or options["reset_password"]:
                password, generated = self._ask_or_generate(user, options)
            if password is not None:
                user.set_password(password)
            user.is_staff = is_staff
            user.save()
            others = Group.objects.filter(name__in=[g for g, *_ in ROLES.values()])
            user.groups.remove(*others.exclude(pk=group.pk))
            user.groups.add(group)
            if salesperson.user_id != user.pk:
                salesperson.user = user
                salesperson_update(user=None, salesperson=salesperson)
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {role_name} login '{user.username}' for salesperson "
                f"{salesperson}."
            )
        )
        if salesperson.blocked:
            self.stdout.write(
                self.style.WARNING(
                    f"Salesperson {salesperson.code} is blocked: no new "
                    "opportunities can be given to them."
                )
            )
        if generated:
            self.stdout.write(
                f"Password: {password}\n"
                "It is shown only now; pass it on safely and have it changed."
            )

    def _salesperson(self, code: str) -> Salesperson:
        try:
            return Salesperson.objects.select_for_update().get(code=code)
        except Salesperson.DoesNotExist:
            known = ", ".join(Salesperson.objects.values_list("code", flat=True))
            raise CommandError(
                f"There is no salesperson with code '{code}'. Create the salesperson "
                f"in the admin first (known codes: {known or 'none'})."
            ) from None

    def _group(self, name: str) -> Group:
        try:
            return Group.objects.get(name=name)
        except Group.DoesNotExist:
            raise CommandError(
                f"The group '{name}' is missing; run 'python manage.py migrate'."
            ) from None

    def _user(self, salesperson: Salesperson, username: str | None):
        User = get_user_model()
        linked = salesperson.user
        if linked is not None:
            if username is None or username == linked.get_username():
                return linked
            raise CommandError(
                f"Salesperson {salesperson.code} is already linked to the login "
                f"'{linked.get_username()}'. Run the command with --username "
                f"{linked.get_username()} to update that login, or unlink it in the "
                "admin first."
            )
        if not username:
            raise CommandError(
                f"Salesperson {salesperson.code} has no login yet; give one with "
                "--username."
            )
        taken = User.objects.filter(username=username).first()
        if taken is not None:
            owner = Salesperson.objects.filter(user=taken).first()
            whose = (
                f"the login of salesperson {owner.code}"
                if owner
                else "a login not linked to a salesperson"
            )
            raise CommandError(
                f"The username '{username}' is taken ({whose}). Choose another "
                "--username."
            )
        user = User(username=username)
        try:
            user.clean_fields(exclude=["password"])
        except ValidationError as error:
            raise CommandError(
                f"The username '{username}' cannot be used: {' '.join(error.messages)}"
            ) from None
        return user

    def _validate(self, password: str, user) -> None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                "The password was refused: " + " ".join(error.messages)
            ) from None

    def _ask_or_generate(self, user, options) -> tuple[str, bool]:
        stdin = options.get("stdin") or sys.stdin
        if not options["interactive"] or not stdin.isatty():
            return secrets.token_urlsafe(12), True
        while True:
            password = getpass.getpass("Password (empty: generate one): ")
            if not password:
                return secrets.token_urlsafe(12), True
            if getpass.getpass("Password (again): ") != password:
                self.stderr.write("The passwords do not match; try again.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password, False
