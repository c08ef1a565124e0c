"""Signing in: a username no account can have is a field error, a database
that refuses writes is a "try again later" page, not a server error, and an
address that keeps failing is paused before any password is checked.

django-axes pauses a username from one address after five failures. Spraying
many usernames from one address never reaches that, and each failure costs the
server a password hash (about 0.2 s of CPU with Django's PBKDF2): twenty such
clients made every signed-in page many times slower. So an address with
``SIGNIN_FAILURES_PER_ADDRESS`` failures (any usernames) within axes'
cool-off is refused at once: one indexed query, no hash, nothing written.

Signing in writes: django-axes records the attempt, Django the session and the
time of the last sign-in. While the database is read-only (a fail-over, a
restore) none of that can happen, so nobody can sign in; the page says so.
"""

import logging

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.views import LoginView
from django.db import DatabaseError
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)


class SignInForm(AuthenticationForm):
    # Django's form sets the length after building the field, which leaves it
    # unchecked: an overlong name would reach django-axes' attempt records.
    username = UsernameField(
        max_length=get_user_model()._meta.get_field("username").max_length,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


def address_paused(request) -> bool:
    """Has the request's address failed too often within the cool-off?"""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(
        ip_address=get_client_ip_address(request), attempt_time__gte=since
    ).aggregate(failures=Sum("failures_since_start"))["failures"]
    return (failures or 0) >= settings.SIGNIN_FAILURES_PER_ADDRESS


class SignInView(LoginView):
    form_class = SignInForm

    def post(self, request, *args, **kwargs):
        try:
            if address_paused(request):
                logger.warning("Sign-in refused: too many failures from the address")
                return render(
                    request,
                    settings.AXES_LOCKOUT_TEMPLATE,
                    {"by_address": True},
                    status=429,
                )
            return super().post(request, *args, **kwargs)
        except DatabaseError:
            logger.exception("Sign-in refused: the database refused a write")
            return render(request, "registration/unavailable.html", status=503)
