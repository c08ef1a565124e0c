"""Import and export of opportunities (see docs/import-export.md).

An imported new opportunity gets the history the pages would have written for
its state, so it moves, closes and reopens like any other: in progress at stage
S is one ``first`` entry at S; won or lost is a ``first`` entry at the last stage
reached (when given) followed by the closing entry; not started has none.
An existing opportunity's descriptive fields (description, priority) update; a
change to its state, contact, salesperson, cycle or creation date is rejected:
those go through the pages, which write proper entries and tasks.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactType, Salesperson
from crm.dataio import (
    Column,
    Importer,
    Row,
    bulk,
    choice_column,
    fetch,
    rule_message,
)
from crm.numbers import validate_number
from crm.services import number_series_take
from opportunities import rules
from opportunities.history import (
    Figures,
    apply_figures,
    entry_values,
    figures_of,
    insert_entries,
    retire,
)
from opportunities.models import (
    Action,
    CloseReason,
    Opportunity,
    OpportunityEntry,
    Status,
)
from salescycles import dateformula
from salescycles.models import Priority, SalesCycle, Stage

ZERO = Decimal(0)
TOLERANCE = Decimal("0.01")
NO_FIGURES = figures_of(Figures.none())


STATE = (
    "contact",
    "salesperson",
    "sales_cycle",
    "creation_date",
    "status",
    "stage",
    "estimated_value",
    "chances_pct",
    "estimated_close_date",
    "date_closed",
    "close_reason",
)
# Computed by the cycle's method; a file's differing value is only a warning.
COMPUTED = ("completed_pct", "probability_pct", "current_value")


class OpportunityImporter(Importer):
    kind = "opportunities"
    model = Opportunity
    key = ("number",)
    chunk_size = 5000
    bulk_models = (Opportunity, OpportunityEntry)
    columns = [
        Column("number", "No."),
        Column("description", "Description", required=True),
        Column(
            "contact", "Contact No.", kind="ref", required=True, path="contact__number"
        ),
        Column(
            "contact_company", "Contact Company No.", path="contact_company__number"
        ),
        Column(
            "salesperson",
            "Salesperson Code",
            kind="ref",
            required=True,
            path="salesperson__code",
        ),
        Column(
            "sales_cycle",
            "Sales Cycle Code",
            kind="ref",
            required=True,
            path="sales_cycle__code",
        ),
        Column("creation_date", "Creation Date", kind="date"),
        choice_column("status", "Status", Status),
        choice_column("priority", "Priority", Priority),
        Column(
            "stage", "Current Sales Cycle Stage", kind="integer", path="stage__number"
        ),
        Column("estimated_value", "Estimated Value (LCY)", kind="decimal"),
        Column("chances_pct", "Chances of Success %", kind="decimal"),
        Column("completed_pct", "Completed %", kind="decimal"),
        Column("probability_pct", "Probability %", kind="decimal"),
        Column("current_value", "Calcd. Current Value (LCY)", kind="decimal"),
        Column("estimated_close_date", "Estimated Closing Date", kind="date"),
        Column("date_closed", "Date Closed", kind="date"),
        Column(
            "close_reason",
            "Close Opportunity Code",
            kind="ref",
            path="close_reason__code",
        ),
    ]

    @classmethod
    def export_queryset(cls):
        return Opportunity.objects.order_by("number")

    started_empty: bool | None = None

    def prefetch(self, rows):
        """Every query planning and writing these rows needs, ids included."""
        self.fetched = (
            self.refs(
                rows, "contact", Contact.objects.select_related("company"), "number"
            ),
            self.refs(rows, "salesperson", Salesperson),
            cycles := self.refs(rows, "sales_cycle", SalesCycle),
            self.refs(rows, "close_reason", CloseReason),
            self.refs(rows, "contact_company", Contact, "number"),
            {
                (s.cycle_id, s.number): s
                for s in Stage.objects.filter(cycle__in=[c.pk for c in cycles.values()])
            },
        )
        if self.started_empty is None:
            # A load that holds the table locked, into a table empty when it
            # began (a first migration): only its own rows can be there, and
            # the file's duplicates are found without asking.
            self.started_empty = (
                bulk.holds_locked(Opportunity) and not Opportunity.objects.exists()
            )
        numbers = [r.values["number"] for r in rows if r.values.get("number")]
        self.existing_rows = (
            {}
            if self.started_empty
            else {o.number: o for o in fetch(Opportunity.objects, "number", numbers)}
        )
        # One id per row: those not created leave a gap, as a rollback does.
        self.ids = bulk.allocate_ids(Opportunity, len(rows))

    def plan(self, rows):
        contacts, salespeople, cycles, reasons, companies, stages = self.fetched
        existing = self.existing_rows
        seen = self.seen
        today = timezone.localdate()
        for row in rows:
            number = row.values.get("number")
            earlier = seen.first(number, row.line) if number else None
            if earlier is not None:
                self.error(
                    row,
                    "number",
                    _("Duplicate of line %(line)s.") % {"line": earlier},
                )
                continue
            if row.line in self.problems.bad_lines:
                continue
            v = row.values
            v["contact"] = contacts.get(v["contact"])
            v["salesperson"] = salespeople.get(v["salesperson"])
            v["sales_cycle"] = cycles.get(v["sales_cycle"])
            v["close_reason"] = (
                reasons.get(v.get("close_reason")) if v.get("close_reason") else None
            )
            if (
                v["contact"] is None
                or v["salesperson"] is None
                or v["sales_cycle"] is None
            ):
                continue  # reported by refs()
            if v.get("stage") is not None:
                stage = stages.get((v["sales_cycle"].pk, v["stage"]))
                if stage is None:
                    self.error(
                        row,
                        "stage",
                        _("Sales cycle %(cycle)s has no stage %(stage)s.")
                        % {"cycle": v["sales_cycle"].code, "stage": v["stage"]},
                    )
                    continue
                v["stage"] = stage
            company = self._contact_company(row, companies)
            if company is False:
                continue
            v["contact_company"] = company
            row.obj = existing.get(v.get("number"))
            if row.obj is None:
                self._plan_new(row, today)
            else:
                self._plan_update(row)

    def _contact_company(self, row: Row, companies) -> Contact | None | bool:
        """The company the opportunity keeps (docs/import-export.md): the
        file's, which may be one the person has left since; the contact's
        own without the column. False when the file's cannot be."""
        v = row.values
        contact = v["contact"]
        if "contact_company" not in v:
            return contact.contact_company
        number = v.pop("contact_company")
        if contact.type == ContactType.COMPANY:
            if number in ("", None, contact.number):
                return contact
            self.error(
                row,
                "contact_company",
                _("Contact %(contact)s belongs to %(company)s.")
                % {"contact": contact.number, "company": contact.number},
            )
            return False
        if not number:
            return None
        company = companies.get(number)
        if company is None:
            return False  # reported by refs()
        if company.type != ContactType.COMPANY:
            self.error(
                row,
                "contact_company",
                _("The company of a person must be a company-type contact."),
            )
            return False
        return company

    def _plan_update(self, row: Row) -> None:
        opp, v = row.obj, row.values
        current = {
            "contact": opp.contact_id,
            "salesperson": opp.salesperson_id,
            "sales_cycle": opp.sales_cycle_id,
            "stage": opp.stage_id,
            "close_reason": opp.close_reason_id,
        }
        # An empty cell keeps what is there (the import defaulted it), and a
        # closed opportunity's chances and estimated close date are the
        # closing entry's, not the file's.
        skip = row.empty | (
            {"chances_pct", "estimated_close_date"} if opp.is_closed else set()
        )
        for name in STATE:
            if name not in v or name in skip:
                continue
            given = v[name]
            if name in current:
                given = given.pk if given is not None else None
                before = current[name]
            else:
                before = getattr(opp, name)
            if name == "creation_date" and given is None:
                continue
            if given != before:
                self.error(
                    row,
                    name,
                    _(
                        "Opportunity %(number)s exists; its %(field)s changes in the "
                        "pages (advance, close, reopen, edit), not by import."
                    )
                    % {"number": opp.number, "field": self.caption(name)},
                )
                return
        for name in ("description", "priority"):
            if name in v and v[name] is not None and getattr(opp, name) != v[name]:
                setattr(opp, name, v[name])
                row.changed.append(name)
        if row.changed:
            # As an edit in the pages: a form opened before is now stale.
            opp.version += 1
            row.changed.append("version")
        if len(opp.description) > 100:
            self.error(
                row, "description", _("Ensure this value has at most 100 characters.")
            )

    def _plan_new(self, row: Row, today: datetime.date) -> None:
        v = row.values
        row.created = True
        cycle, stage = v["sales_cycle"], v.get("stage")
        status = v.get("status") or Status.NOT_STARTED
        created = v.get("creation_date") or today
        # (column, message, code): the services' rules with their codes, and
        # the rules of a file (a state's columns that go together).
        errors: list[tuple[str, str, str | None]] = []

        def rule(column: str, error, **params) -> None:
            if error is not None:
                errors.append((column, rule_message(error, **params), error.code))

        def bad(column: str, message: str) -> None:
            errors.append((column, message, None))

        rule("salesperson", rules.salesperson_assignable(v["salesperson"]))
        rule("sales_cycle", rules.cycle_choosable(cycle))
        value = v.get("estimated_value") or ZERO
        chances = v.get("chances_pct") or ZERO
        rule(
            "estimated_value",
            rules.not_negative(value) or rules.amount_within_limit(value),
        )
        for name in ("chances_pct", "completed_pct", "probability_pct"):
            if v.get(name) is not None:
                rule(name, rules.percentage(v[name]))
        if len(v.get("number") or "") > 20:
            bad("number", _("Ensure this value has at most 20 characters."))
        elif v.get("number"):
            try:
                validate_number(v["number"])
            except ValidationError as error:
                rule("number", error)
        if len(v["description"]) > 100:
            bad("description", _("Ensure this value has at most 100 characters."))
        closed = status in (Status.WON, Status.LOST)
        # A won row's sale value is its current value, as NAV exports it (the
        # estimated value is the last estimate); a file without one sold at
        # the estimate.
        sale_value = None if "current_value" in row.empty else v.get("current_value")
        sale_column = "current_value" if sale_value else "estimated_value"
        sale_value = sale_value or value
        reason = v.get("close_reason")
        date_closed = v.get("date_closed")
        if status == Status.NOT_STARTED:
            for name in ("stage", "date_closed", "close_reason"):
                if v.get(name):
                    bad(name, _("A not-started opportunity has none."))
            if value or chances:
                bad(
                    "estimated_value" if value else "chances_pct",
                    _("A not-started opportunity has no figures yet."),
                )
        elif status == Status.IN_PROGRESS:
            if stage is None:
                bad("stage", _("An opportunity in progress needs its stage."))
            for name in ("date_closed", "close_reason"):
                if v.get(name):
                    bad(name, _("An opportunity in progress has none."))
        else:
            if date_closed is None:
                bad("date_closed", _("A closed opportunity needs its date closed."))
            else:
                rule(
                    "date_closed",
                    rules.date_not_before_last_change(date_closed, created),
                    # Dates in a file's messages are written as files write them.
                    date=created.isoformat(),
                )
                rule("date_closed", rules.not_in_future(date_closed, today))
            rule("close_reason", rules.close_reason_fits(reason, status))
            if status == Status.WON:
                rule(sale_column, rules.sale_value_positive(sale_value))
        close_date = v.get("estimated_close_date")
        if status == Status.IN_PROGRESS and close_date is not None:
            rule(
                "estimated_close_date",
                rules.close_date_not_before_change(close_date, created),
            )
            rule(
                "estimated_close_date",
                rules.close_date_within_reach(close_date, created),
            )
        rule("creation_date", rules.not_in_future(created, today))
        for column, message, code in errors:
            self.error(row, column, message, code)
        if errors:
            return
        # The new opportunity and its entries are column values (attnames),
        # written in bulk by write(): no model instances on the hot path.
        opp = row.new = {
            "number": v.get("number") or "",
            "description": v["description"],
            "contact_id": v["contact"].pk,
            "contact_company_id": v["contact_company"].pk
            if v["contact_company"]
            else None,
            "salesperson_id": v["salesperson"].pk,
            "sales_cycle_id": cycle.pk,
            "priority": v.get("priority") or Priority.NORMAL,
            "creation_date": created,
            "status": status,
            "date_closed": None,
            "close_reason_id": None,
            "stage_id": None,
            "furthest_stage_id": None,
            **NO_FIGURES,
            "version": 1,
        }
        row.entries = []
        if status == Status.NOT_STARTED:
            return
        last = None
        if stage is not None:
            if status == Status.IN_PROGRESS:
                chances = chances or stage.chances_pct
                close_date = close_date or dateformula.apply(
                    stage.date_formula, created
                )
            else:
                chances, close_date = stage.chances_pct, date_closed
            figures = Figures.calculated(
                cycle,
                estimated_value=value,
                chances_pct=chances,
                completed_pct=stage.completed_pct,
                estimated_close_date=close_date,
            )
            last = self._entry(opp, Action.FIRST, stage, None, created, figures)
            row.entries.append(last)
        if closed:
            if status == Status.WON:
                figures = Figures.won(sale_value, date_closed, estimate=value)
            else:
                figures = Figures.lost(value, date_closed)
            if last is not None:
                retire(last, date_closed)
            entry = self._entry(opp, status, None, stage, date_closed, figures, reason)
            row.entries.append(entry)
            opp["date_closed"] = date_closed
            opp["close_reason_id"] = reason.pk
        opp["stage_id"] = stage.pk if stage else None
        # Its history has one entry at a stage, this one.
        opp["furthest_stage_id"] = stage.pk if stage else None
        apply_figures(opp, figures)
        opp["version"] += len(row.entries)
        computed = COMPUTED + (("chances_pct",) if closed else ())
        if status == Status.WON:
            computed = tuple(name for name in computed if name != "current_value")
        ours = figures_of(figures)
        for name in computed:
            given = None if name in row.empty else v.get(name)
            if given is not None and abs(given - ours[name]) > TOLERANCE:
                self.problems.warn(
                    row.line,
                    self.caption(name),
                    _(
                        "%(given)s in the file, %(ours)s as calculated; the "
                        "calculated value is kept."
                    )
                    % {"given": given, "ours": ours[name]},
                )

    @staticmethod
    def _entry(opp: dict, action, stage, previous, date, figures, reason=None):
        return entry_values(
            opp,
            action=action,
            stage=stage,
            previous_stage_id=previous.pk if previous else None,
            date_of_change=date,
            figures=figures,
            close_reason=reason,
        )

    def write(self, rows):
        new = [r for r in rows if r.created]
        unnumbered = [r.new for r in new if not r.new["number"]]
        numbers = number_series_take(
            code="OPPORTUNITY", model=Opportunity, count=len(unnumbered)
        )
        for opp, number in zip(unnumbered, numbers, strict=True):
            opp["number"] = number
        now = timezone.now()
        opportunities, entries = [], []
        for row, pk in zip(new, self.ids, strict=False):
            opportunities.append((pk, *row.new.values(), now, now))
            entries += [(pk, entry) for entry in row.entries]
        if opportunities:
            # Every row's values come in the same order: that of the dicts
            # _plan_new and entry_values build.
            first = next(r for r in new)
            bulk.insert(
                Opportunity,
                ("id", *first.new, "created_at", "updated_at"),
                opportunities,
            )
        insert_entries(entries, now=now)
        self.update([r for r in rows if r.changed])
