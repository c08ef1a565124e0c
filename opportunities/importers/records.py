"""Import and export of close reasons, quotes, tasks and interactions."""

from django.utils.translation import gettext as _

from contacts.models import Contact, Salesperson
from crm.dataio import (
    BATCH,
    IN_CHUNK,
    Column,
    Importer,
    choice_column,
    fetch,
)
from opportunities import rules
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    Interaction,
    InteractionKind,
    Opportunity,
    SalesQuote,
    Task,
    TaskStatus,
)
from salescycles.models import ActivityStepType, Priority


class CloseReasonImporter(Importer):
    kind = "close-reasons"
    model = CloseReason
    key = ("code",)
    columns = [
        Column("code", "Code", required=True),
        Column("description", "Description"),
        choice_column("type", "Type", CloseReasonType, required=True),
    ]

    def existing(self, rows):
        codes = [r.values["code"] for r in rows]
        return {(o.code,): o for o in CloseReason.objects.filter(code__in=codes)}


# The columns that describe an opportunity's state; an existing opportunity's
# state is not changed by an import.


class QuoteImporter(Importer):
    """Sales quotes, keyed by number; an opportunity has at most one."""

    kind = "quotes"
    model = SalesQuote
    key = ("number",)
    columns = [
        Column("number", "No.", required=True),
        Column(
            "opportunity",
            "Opportunity No.",
            kind="ref",
            required=True,
            attr="opportunity_id",
            path="opportunity__number",
        ),
        Column("date", "Document Date", kind="date"),
        Column("valid_until", "Quote Valid Until Date", kind="date"),
        Column("amount", "Amount", kind="decimal"),
        Column("description", "Description"),
    ]
    exclude_clean = ("opportunity",)

    def resolve(self, rows):
        found = self.refs(rows, "opportunity", Opportunity, "number")
        for row in rows:
            if row.values.get("opportunity"):
                row.values["opportunity"] = found.get(row.values["opportunity"])

    def existing(self, rows):
        numbers = [r.values["number"] for r in rows]
        return {(q.number,): q for q in fetch(SalesQuote.objects, "number", numbers)}

    def clean(self, row):
        error = rules.amount_within_limit(row.obj.amount)
        if error is None:
            super().clean(row)
            return
        # The rules' plain message, not the field's count of digits.
        self.reject(row, "amount", error)
        super().clean(row, exclude=("amount",))

    def check(self, rows):
        """One quote per opportunity, in the file and with those already there."""
        taken = {
            q.opportunity_id: q.number
            for q in fetch(
                SalesQuote.objects,
                "opportunity",
                [r.obj.opportunity_id for r in rows if r.obj.opportunity_id],
            )
        }
        for row in rows:
            other = taken.setdefault(row.obj.opportunity_id, row.obj.number)
            if other != row.obj.number:
                self.error(
                    row,
                    "opportunity",
                    _("Opportunity %(number)s already has quote %(quote)s.")
                    % {"number": row.values["opportunity"].number, "quote": other},
                )


class TaskImporter(Importer):
    """Tasks, keyed by number; which entry made one is not carried."""

    kind = "tasks"
    model = Task
    key = ("number",)
    columns = [
        Column("number", "No.", required=True),
        choice_column("type", "Type", ActivityStepType),
        Column("description", "Description", required=True),
        Column("date", "Date", kind="date", required=True),
        choice_column("priority", "Priority", Priority),
        choice_column("status", "Status", TaskStatus),
        Column("closed", "Closed", kind="boolean"),
        Column("cancelled", "Canceled", kind="boolean"),
        Column("date_closed", "Date Closed", kind="date"),
        Column(
            "salesperson",
            "Salesperson Code",
            kind="ref",
            required=True,
            attr="salesperson_id",
            path="salesperson__code",
        ),
        Column(
            "contact",
            "Contact No.",
            kind="ref",
            attr="contact_id",
            path="contact__number",
        ),
        Column(
            "opportunity",
            "Opportunity No.",
            kind="ref",
            attr="opportunity_id",
            path="opportunity__number",
        ),
    ]
    exclude_clean = ("salesperson", "contact", "opportunity", "opportunity_entry")

    def resolve(self, rows):
        for column, model, field_name in (
            ("salesperson", Salesperson, "code"),
            ("contact", Contact, "number"),
            ("opportunity", Opportunity, "number"),
        ):
            found = self.refs(rows, column, model, field_name)
            for row in rows:
                if row.values.get(column):
                    row.values[column] = found.get(row.values[column])

    def existing(self, rows):
        numbers = [r.values["number"] for r in rows]
        return {(t.number,): t for t in fetch(Task.objects, "number", numbers)}

    def clean(self, row):
        super().clean(row)
        date = row.obj.date
        # A new or changed date only: a restored old task keeps its own.
        if date is not None and (row.created or "date" in row.changed):
            error = rules.task_date_in_range(date)
            if error is not None:
                self.reject(row, "date", error)


class InteractionImporter(Importer):
    """An opportunity's interactions: those in the file replace those it has.

    Interactions have no number; the file's rows of an opportunity are its
    whole log, so importing a file twice leaves the same log. Who logged one
    is not carried.
    """

    kind = "interactions"
    model = Interaction
    key = ()
    columns = [
        Column(
            "opportunity",
            "Opportunity No.",
            kind="ref",
            required=True,
            attr="opportunity_id",
            path="opportunity__number",
        ),
        Column("date", "Date", kind="date", required=True),
        choice_column("kind", "Kind", InteractionKind, required=True),
        Column("description", "Description", required=True),
        Column(
            "salesperson",
            "Salesperson Code",
            kind="ref",
            required=True,
            attr="salesperson_id",
            path="salesperson__code",
        ),
    ]
    exclude_clean = ("opportunity", "salesperson", "created_by")

    @classmethod
    def export_queryset(cls):
        return Interaction.objects.order_by("opportunity__number", "date", "id")

    def plan(self, rows):
        opportunities = self.refs(rows, "opportunity", Opportunity, "number")
        salespeople = self.refs(rows, "salesperson", Salesperson)
        existing = {}
        for interaction in fetch(
            Interaction.objects.order_by("date", "id"),
            "opportunity",
            [o.pk for o in opportunities.values()],
        ):
            existing.setdefault(interaction.opportunity_id, []).append(
                (
                    interaction.date,
                    interaction.kind,
                    interaction.description,
                    interaction.salesperson_id,
                )
            )
        given: dict = {}
        for row in rows:
            v = row.values
            opportunity = opportunities.get(v.get("opportunity"))
            salesperson = salespeople.get(v.get("salesperson"))
            if opportunity is None or salesperson is None:
                continue
            row.obj = Interaction(
                opportunity=opportunity,
                date=v.get("date"),
                kind=v.get("kind") or "",
                description=v.get("description") or "",
                salesperson=salesperson,
            )
            self.clean(row)
            given.setdefault(opportunity.pk, []).append(row)
        # An opportunity whose log is the same as the file's is unchanged.
        self.replaced = []
        for pk, history in given.items():
            new = [
                (r.obj.date, r.obj.kind, r.obj.description, r.obj.salesperson_id)
                for r in history
            ]
            if new == existing.get(pk, []):
                continue
            self.replaced.append(pk)
            for row in history:
                row.created = pk not in existing
                if not row.created:
                    row.changed.append("log")

    def write(self, rows):
        for start in range(0, len(self.replaced), IN_CHUNK):
            chunk = self.replaced[start : start + IN_CHUNK]
            Interaction.objects.filter(opportunity__in=chunk).delete()
        Interaction.objects.bulk_create(
            [r.obj for r in rows if r.obj is not None and (r.created or r.changed)],
            batch_size=BATCH,
        )
