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
from django.utils.translation import gettext as _

from contacts.models import Salesperson
from contacts.services import salesperson_update

# The group (named by the roles migration), staff or not.
ROLES = {"rep": ("Sales reps", False), "manager": ("Sales managers", True)}


class Command(BaseCommand):
    # The input the password prompt checks for a terminal; tests pass their own.
    stealth_options = ("stdin",)

    @property
    def help(self):
        return _(
            "Create (or update) the login of an existing salesperson as a sales rep or "
            "a sales manager, and link it to the salesperson."
        )

    def add_arguments(self, parser):
        parser.add_argument("code", help=_("The salesperson's code, e.g. JK."))
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            required=True,
            help=_("rep: own opportunities, no admin; manager: everyone's, staff."),
        )
        parser.add_argument(
            "--username",
            help=_("The login name (default: the linked login's, when there is one)."),
        )
        parser.add_argument(
            "--email",
            help=_("The login's e-mail (default: the salesperson's)."),
        )
        parser.add_argument(
            "--password",
            help=_(
                "The password (beware: it stays in the shell history). Without it "
                "the password is asked for, or generated with --no-input."
            ),
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help=_("Give an existing login a new password (asked for or generated)."),
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=_("Ask nothing: a password not given is generated and printed."),
        )

    def handle(self, *args, **options):
        group_name, is_staff = ROLES[options["role"]]
        with transaction.atomic():
            salesperson = self._salesperson(options["code"])
            group = self._group(group_name)
            user = self._user(salesperson, options["username"])
            created = user.pk is None
            if created:
                first, _space, last = salesperson.name.partition(" ")
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
        messages = {
            (True, "rep"): _(
                "Created sales rep login '%(username)s' for salesperson %(who)s."
            ),
            (True, "manager"): _(
                "Created sales manager login '%(username)s' for salesperson %(who)s."
            ),
            (False, "rep"): _(
                "Updated sales rep login '%(username)s' for salesperson %(who)s."
            ),
            (False, "manager"): _(
                "Updated sales manager login '%(username)s' for salesperson %(who)s."
            ),
        }
        self.stdout.write(
            self.style.SUCCESS(
                messages[created, options["role"]]
                % {"username": user.username, "who": salesperson}
            )
        )
        if salesperson.blocked:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Salesperson %(code)s is blocked: no new opportunities "
                        "can be given to them."
                    )
                    % {"code": salesperson.code}
                )
            )
        if generated:
            self.stdout.write(
                _(
                    "Password: %(password)s\n"
                    "It is shown only now; pass it on safely and have it changed."
                )
                % {"password": password}
            )

    def _salesperson(self, code: str) -> Salesperson:
        try:
            return Salesperson.objects.select_for_update().get(code=code)
        except Salesperson.DoesNotExist:
            known = ", ".join(Salesperson.objects.values_list("code", flat=True))
            raise CommandError(
                _(
                    "There is no salesperson with code '%(code)s'. Create the "
                    "salesperson in the admin first (known codes: %(known)s)."
                )
                % {"code": code, "known": known or _("none")}
            ) from None

    def _group(self, name: str) -> Group:
        try:
            return Group.objects.get(name=name)
        except Group.DoesNotExist:
            raise CommandError(
                _("The group '%(name)s' is missing; run 'python manage.py migrate'.")
                % {"name": name}
            ) from None

    def _user(self, salesperson: Salesperson, username: str | None):
        User = get_user_model()
        linked = salesperson.user
        if linked is not None:
            if username is None or username == linked.get_username():
                return linked
            raise CommandError(
                _(
                    "Salesperson %(code)s is already linked to the login "
                    "'%(username)s'. Run the command with --username %(username)s "
                    "to update that login, or unlink it in the admin first."
                )
                % {"code": salesperson.code, "username": linked.get_username()}
            )
        if not username:
            raise CommandError(
                _("Salesperson %(code)s has no login yet; give one with --username.")
                % {"code": salesperson.code}
            )
        taken = User.objects.filter(username=username).first()
        if taken is not None:
            owner = Salesperson.objects.filter(user=taken).first()
            if owner:
                message = _(
                    "The username '%(username)s' is taken (the login of salesperson "
                    "%(code)s). Choose another --username."
                )
            else:
                message = _(
                    "The username '%(username)s' is taken (a login not linked to a "
                    "salesperson). Choose another --username."
                )
            raise CommandError(
                message % {"username": username, "code": owner and owner.code}
            )
        user = User(username=username)
        try:
            user.clean_fields(exclude=["password"])
        except ValidationError as error:
            raise CommandError(
                _("The username '%(username)s' cannot be used: %(reason)s")
                % {"username": username, "reason": " ".join(error.messages)}
            ) from None
        return user

    def _validate(self, password: str, user) -> None:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(
                _("The password was refused: %(reason)s")
                % {"reason": " ".join(error.messages)}
            ) from None

    def _ask_or_generate(self, user, options) -> tuple[str, bool]:
        stdin = options.get("stdin") or sys.stdin
        if not options["interactive"] or not stdin.isatty():
            return secrets.token_urlsafe(12), True
        while True:
            password = getpass.getpass(_("Password (empty: generate one): "))
            if not password:
                return secrets.token_urlsafe(12), True
            if getpass.getpass(_("Password (again): ")) != password:
                self.stderr.write(_("The passwords do not match; try again."))
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password, False
