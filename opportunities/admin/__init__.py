"""The opportunities' admin: opportunities and their records."""

from opportunities.admin import opportunities  # noqa: F401 (registers the admins)
