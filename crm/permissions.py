"""Who may do what, read once a minute rather than on every request.

Every page asks whether the user sees everyone's opportunities, which costs
Django's ModelBackend two queries per request. This backend keeps a user's
permissions in the cache (per process) for ``SECONDS``; a change of role made
in the admin reaches every server within that time, and the process that made
it at once (the signals below).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

SECONDS = 60
_GENERATION = "permissions:generation"


def _key(source: str, user) -> str:
    generation = cache.get_or_set(_GENERATION, 0, None)
    return f"permissions:{generation}:{source}:{user.pk}"


class CachedPermissionsBackend(ModelBackend):
    """ModelBackend whose permission lookups are cached for a minute."""

    def get_user_permissions(self, user_obj, obj=None):
        return self._cached("user", user_obj, obj, super().get_user_permissions)

    def get_group_permissions(self, user_obj, obj=None):
        return self._cached("group", user_obj, obj, super().get_group_permissions)

    @staticmethod
    def _cached(source, user_obj, obj, lookup) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return lookup(user_obj, obj)
        key = _key(source, user_obj)
        permissions = cache.get(key)
        if permissions is None:
            permissions = lookup(user_obj, obj)
            cache.set(key, permissions, SECONDS)
        return permissions


def forget_permissions() -> None:
    """Make every cached permission stale (in this process's cache)."""
    try:
        cache.incr(_GENERATION)
    except ValueError:
        cache.set(_GENERATION, 1, None)


@receiver(m2m_changed, sender=get_user_model().groups.through)
@receiver(m2m_changed, sender=get_user_model().user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _roles_changed(**kwargs):
    if kwargs["action"] in ("post_add", "post_remove", "post_clear"):
        forget_permissions()
