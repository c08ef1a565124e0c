"""Permissions are cached a minute, and a change of role takes effect at once."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCAL = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SEES_ALL = "opportunities.view_all_opportunities"


def fresh(user):
    """The user as the next request loads it (no per-object cache)."""
    return type(user).objects.get(pk=user.pk)


@override_settings(CACHES=LOCAL)
def test_a_users_permissions_are_read_once_then_cached():
    cache.clear()
    user = UserFactory(role="Sales managers")

    with CaptureQueriesContext(connection) as first:
        assert fresh(user).has_perm(SEES_ALL)
    again = fresh(user)
    with CaptureQueriesContext(connection) as second:
        assert again.has_perm(SEES_ALL)

    assert len(first) == 1 + 2  # the user, its own and its groups' permissions
    assert len(second) == 0


@override_settings(CACHES=LOCAL)
def test_joining_or_leaving_a_group_takes_effect_at_once():
    cache.clear()
    user = UserFactory(role="Sales reps")
    assert not fresh(user).has_perm(SEES_ALL)

    user.groups.add(Group.objects.get(name="Sales managers"))
    promoted = fresh(user).has_perm(SEES_ALL)
    user.groups.remove(Group.objects.get(name="Sales managers"))
    demoted = fresh(user).has_perm(SEES_ALL)

    assert (promoted, demoted) == (True, False)


@override_settings(CACHES=LOCAL)
def test_a_groups_new_permission_takes_effect_at_once():
    cache.clear()
    user = UserFactory(role="Sales reps")
    assert not fresh(user).has_perm(SEES_ALL)
    reps = Group.objects.get(name="Sales reps")
    managers = Group.objects.get(name="Sales managers")

    reps.permissions.add(
        *managers.permissions.filter(codename="view_all_opportunities")
    )

    assert fresh(user).has_perm(SEES_ALL)
