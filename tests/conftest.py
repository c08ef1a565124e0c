"""Shared fixtures."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factories import SalespersonFactory, UserFactory


def error_codes(error: ValidationError) -> dict[str, list[str]] | list[str]:
    """The codes of a ValidationError: by field for a dict, else a plain list."""
    if hasattr(error, "error_dict"):
        return {
            field: [e.code for e in errors]
            for field, errors in error.error_dict.items()
        }
    return [e.code for e in error.error_list]


@pytest.fixture
def manager(db):
    """A sales manager: staff, in the managers' group, with a salesperson."""
    user = UserFactory(username="manager", role="Sales managers")
    SalespersonFactory(code="MGR", user=user)
    return user


@pytest.fixture
def rep(db):
    """A sales rep linked to salesperson REP1."""
    user = UserFactory(username="rep1", role="Sales reps")
    SalespersonFactory(code="REP1", user=user)
    return user


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing cached (permissions of an earlier test's
    user, whose id a later test's may reuse)."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever a request before chose.

    LocaleMiddleware activates the request's language in the thread and leaves it.
    """
    yield
    translation.activate(settings.LANGUAGE_CODE)
