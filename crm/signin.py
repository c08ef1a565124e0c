"""Signing in: a username no account can have is a field error, and a
database that refuses writes is a "try again later" page, not a server error.

Signing in writes: django-axes records the attempt, Django the session and the
time of the last sign-in. While the database is read-only (a fail-over, a
restore) none of that can happen, so nobody can sign in; the page says so.
"""

import logging

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.views import LoginView
from django.db import DatabaseError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class SignInForm(AuthenticationForm):
    # Django's form sets the length after building the field, which leaves it
    # unchecked: an overlong name would reach django-axes' attempt records.
    username = UsernameField(
        max_length=get_user_model()._meta.get_field("username").max_length,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


class SignInView(LoginView):
    form_class = SignInForm

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except DatabaseError:
            logger.exception("Sign-in refused: the database refused a write")
            return render(request, "registration/unavailable.html", status=503)
