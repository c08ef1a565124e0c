"""The opportunities' admin: opportunities and their records, and the sales
cycle and stage admins with their open pipeline."""

from opportunities.admin import opportunities, pipeline  # noqa: F401 (registers them)
