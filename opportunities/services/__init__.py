"""Every write to opportunities, their history, quotes, tasks and interactions.

A state change is one transaction: the opportunity row is locked, the move is
checked against the rules (``opportunities.rules``), the history writes the new
entry and the opportunity's current figures (``opportunities.history``), the
stage's tasks are created and the change is logged, all committing together.
Rule violations raise ``ValidationError`` with a ``code``; errors about a field
are keyed by the field so forms can show them there.

One module per concern; callers import this package:
``from opportunities import services`` then ``services.opportunity_advance(...)``.
"""

from opportunities.services.closing import (
    close_reason_delete,
    close_reason_save,
    opportunity_close,
    opportunity_reopen,
)
from opportunities.services.contacts import contact_merge, contact_merge_counts
from opportunities.services.editing import (
    opportunity_change_contact,
    opportunity_change_salesperson,
    opportunity_create,
    opportunity_delete,
    opportunity_edit,
    validate_changes,
)
from opportunities.services.leads import lead_take
from opportunities.services.records import (
    interaction_log,
    interaction_update,
    opportunity_cancel_open_tasks,
    sales_quote_create,
    task_cancel,
    task_complete,
    task_create,
    task_update,
)
from opportunities.services.stages import advance_defaults, opportunity_advance

__all__ = [
    "advance_defaults",
    "close_reason_delete",
    "close_reason_save",
    "contact_merge",
    "contact_merge_counts",
    "interaction_log",
    "lead_take",
    "interaction_update",
    "opportunity_advance",
    "opportunity_cancel_open_tasks",
    "opportunity_change_contact",
    "opportunity_change_salesperson",
    "opportunity_close",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_edit",
    "opportunity_reopen",
    "sales_quote_create",
    "task_cancel",
    "task_complete",
    "task_create",
    "task_update",
    "validate_changes",
]
