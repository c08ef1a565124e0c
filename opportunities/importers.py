"""Import and export of close reasons and opportunities (see docs/import-export.md).

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

from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, Salesperson
from crm.dataio import (
    BATCH,
    IN_CHUNK,
    Column,
    Importer,
    Row,
    bulk,
    choice_column,
    fetch,
)
from crm.services import number_series_take
from opportunities.models import (
    Action,
    CloseReason,
    CloseReasonType,
    Interaction,
    InteractionKind,
    Opportunity,
    OpportunityEntry,
    SalesQuote,
    Status,
    Task,
    TaskStatus,
    furthest_stage,
)
from opportunities.services import Figures, entry_values, new_entry
from salescycles import dateformula
from salescycles.models import ActivityStepType, Priority, SalesCycle, Stage

HUNDRED = Decimal(100)
ZERO = Decimal(0)
TOLERANCE = Decimal("0.01")


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

    def row_key(self, row):
        return (row.values.get("number") or f"\0{row.line}",)

    def plan(self, rows):
        contacts = self.refs(
            rows, "contact", Contact.objects.select_related("company"), "number"
        )
        salespeople = self.refs(rows, "salesperson", Salesperson)
        cycles = self.refs(rows, "sales_cycle", SalesCycle)
        reasons = self.refs(rows, "close_reason", CloseReason)
        stages = {
            (s.cycle_id, s.number): s
            for s in Stage.objects.filter(cycle__in=[c.pk for c in cycles.values()])
        }
        numbers = [r.values["number"] for r in rows if r.values.get("number")]
        existing = {o.number: o for o in fetch(Opportunity.objects, "number", numbers)}
        seen = self.seen
        today = timezone.localdate()
        for row in rows:
            key = self.row_key(row)
            if key in seen:
                self.error(
                    row,
                    "number",
                    _("Duplicate of line %(line)s.") % {"line": seen[key]},
                )
                continue
            seen[key] = row.line
            if row.line in self.problems.bad_lines:
                continue
            v = row.values
            v["contact"] = contacts.get(v["contact"])
            v["salesperson"] = salespeople.get(v["salesperson"])
            v["sales_cycle"] = cycles.get(v["sales_cycle"])
            v["close_reason"] = (
                reasons.get(v.get("close_reason")) if v.get("close_reason") else None
            )
            if None in (v["contact"], v["salesperson"], v["sales_cycle"]):
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
            company = v.pop("contact_company", None)
            expected = v["contact"].contact_company
            if company and company != (expected.number if expected else ""):
                self.error(
                    row,
                    "contact_company",
                    _("Contact %(contact)s belongs to %(company)s.")
                    % {
                        "contact": v["contact"].number,
                        "company": expected.number if expected else "-",
                    },
                )
                continue
            row.obj = existing.get(v.get("number"))
            if row.obj is None:
                self._plan_new(row, today)
            else:
                self._plan_update(row)

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
        errors = []
        if v["salesperson"].blocked:
            errors.append(
                (
                    "salesperson",
                    _(
                        "Salesperson %(code)s is blocked and cannot be given "
                        "opportunities."
                    )
                    % {"code": v["salesperson"].code},
                )
            )
        if cycle.blocked:
            errors.append(
                (
                    "sales_cycle",
                    _("Sales cycle %(code)s is blocked and cannot be chosen.")
                    % {"code": cycle.code},
                )
            )
        value = v.get("estimated_value") or ZERO
        chances = v.get("chances_pct") or ZERO
        if value < 0:
            errors.append(("estimated_value", _("Must not be negative.")))
        for name in ("chances_pct", "completed_pct", "probability_pct"):
            if v.get(name) is not None and not ZERO <= v[name] <= HUNDRED:
                errors.append((name, _("Must be between 0 and 100.")))
        if len(v.get("number") or "") > 20:
            errors.append(("number", _("Ensure this value has at most 20 characters.")))
        if len(v["description"]) > 100:
            errors.append(
                ("description", _("Ensure this value has at most 100 characters."))
            )
        closed = status in (Status.WON, Status.LOST)
        reason = v.get("close_reason")
        date_closed = v.get("date_closed")
        if status == Status.NOT_STARTED:
            for name in ("stage", "date_closed", "close_reason"):
                if v.get(name):
                    errors.append((name, _("A not-started opportunity has none.")))
            if value or chances:
                errors.append(
                    (
                        "estimated_value" if value else "chances_pct",
                        _("A not-started opportunity has no figures yet."),
                    )
                )
        elif status == Status.IN_PROGRESS:
            if stage is None:
                errors.append(
                    ("stage", _("An opportunity in progress needs its stage."))
                )
            for name in ("date_closed", "close_reason"):
                if v.get(name):
                    errors.append((name, _("An opportunity in progress has none.")))
        else:
            if date_closed is None:
                errors.append(
                    ("date_closed", _("A closed opportunity needs its date closed."))
                )
            elif date_closed < created:
                errors.append(
                    (
                        "date_closed",
                        _(
                            "The date cannot be before %(date)s, the date of the "
                            "last change."
                        )
                        % {"date": created.isoformat()},
                    )
                )
            if reason is None:
                errors.append(("close_reason", _("Choose a close reason.")))
            elif reason.type != status:
                errors.append(
                    (
                        "close_reason",
                        _("Close reason %(code)s is for %(type)s opportunities.")
                        % {
                            "code": reason.code,
                            "type": reason.get_type_display().lower(),
                        },
                    )
                )
            if status == Status.WON and value <= 0:
                errors.append(
                    ("estimated_value", _("Enter the sale value, greater than zero."))
                )
        close_date = v.get("estimated_close_date")
        if (
            status == Status.IN_PROGRESS
            and close_date is not None
            and close_date < created
        ):
            errors.append(
                (
                    "estimated_close_date",
                    _(
                        "The estimated close date cannot be before the date of "
                        "change (%(date)s)."
                    )
                    % {"date": created.isoformat()},
                )
            )
        if created > today:
            errors.append(("creation_date", _("The date cannot be in the future.")))
        for column, message in errors:
            self.error(row, column, message)
        if errors:
            return
        # The new opportunity and its entries are column values (attnames),
        # written in bulk by write(): no model instances on the hot path.
        opp = row.new = {
            "number": v.get("number") or "",
            "description": v["description"],
            "contact_id": v["contact"].pk,
            "contact_company_id": v["contact"].contact_company_id,
            "salesperson_id": v["salesperson"].pk,
            "sales_cycle_id": cycle.pk,
            "priority": v.get("priority") or Priority.NORMAL,
            "creation_date": created,
            "status": status,
            "date_closed": None,
            "close_reason_id": None,
            "stage_id": None,
            "furthest_stage_id": None,
            "estimated_value": ZERO,
            "chances_pct": ZERO,
            "completed_pct": ZERO,
            "probability_pct": ZERO,
            "current_value": ZERO,
            "estimated_close_date": None,
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
                figures = Figures(
                    estimated_value=value,
                    chances_pct=HUNDRED,
                    completed_pct=HUNDRED,
                    probability_pct=HUNDRED,
                    current_value=value,
                    estimated_close_date=date_closed,
                )
            else:
                figures = Figures(
                    estimated_value=value,
                    chances_pct=ZERO,
                    completed_pct=HUNDRED,
                    estimated_close_date=date_closed,
                )
            if last is not None:
                last["active"] = False
                last["days_open"] = (date_closed - created).days
            entry = self._entry(opp, status, None, stage, date_closed, figures, reason)
            row.entries.append(entry)
            opp["date_closed"] = date_closed
            opp["close_reason_id"] = reason.pk
        opp["stage_id"] = stage.pk if stage else None
        # Its history has one entry at a stage, this one.
        reached = furthest_stage(stage)
        opp["furthest_stage_id"] = reached.pk if reached else None
        for name in (
            "estimated_value",
            "chances_pct",
            "completed_pct",
            "probability_pct",
            "current_value",
            "estimated_close_date",
        ):
            opp[name] = getattr(figures, name)
        opp["version"] += len(row.entries)
        computed = COMPUTED + (("chances_pct",) if closed else ())
        for name in computed:
            given = None if name in row.empty else v.get(name)
            if given is not None and abs(given - getattr(figures, name)) > TOLERANCE:
                self.problems.warn(
                    row.line,
                    self.caption(name),
                    _(
                        "%(given)s in the file, %(ours)s as calculated; the "
                        "calculated value is kept."
                    )
                    % {"given": given, "ours": getattr(figures, name)},
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
        ids = bulk.allocate_ids(Opportunity, len(new))
        opportunities, entries = [], []
        for row, pk in zip(new, ids, strict=True):
            opportunities.append((pk, *row.new.values(), now, now))
            entries += [(pk, *entry.values(), now) for entry in row.entries]
        if opportunities:
            # Every row's values come in the same order: that of the dicts
            # _plan_new and entry_values build.
            first = next(r for r in new)
            bulk.insert(
                Opportunity,
                ("id", *first.new, "created_at", "updated_at"),
                opportunities,
            )
        if entries:
            first = next(r for r in new if r.entries)
            bulk.insert(
                OpportunityEntry,
                ("opportunity_id", *first.entries[0], "created_at"),
                entries,
            )
        self.update([r for r in rows if r.changed])


ENTRY_FIELDS = (
    "sales_cycle_id",
    "stage_id",
    "previous_stage_id",
    "contact_id",
    "contact_company_id",
    "salesperson_id",
    "date_of_change",
    "active",
    "date_closed",
    "days_open",
    "action_taken",
    "estimated_value",
    "chances_pct",
    "completed_pct",
    "probability_pct",
    "current_value",
    "estimated_close_date",
    "close_reason_id",
)


class OpportunityEntryImporter(Importer):
    """NAV's opportunity entries: the full history of the opportunities named.

    The file's entries of an opportunity replace its history (the one an
    opportunities import made up, typically), ordered by entry no.; the
    opportunity's state and current figures are then those of its active entry.
    Entry numbers order the rows; they are not stored.
    """

    kind = "opportunity-entries"
    model = OpportunityEntry
    key = ("entry_no",)
    columns = [
        Column("entry_no", "Entry No.", kind="integer", required=True, path="id"),
        Column(
            "opportunity",
            "Opportunity No.",
            kind="ref",
            required=True,
            path="opportunity__number",
        ),
        Column("sales_cycle", "Sales Cycle Code", kind="ref", path="sales_cycle__code"),
        Column("stage", "Sales Cycle Stage", kind="integer", path="stage__number"),
        Column(
            "previous_stage",
            "Previous Sales Cycle Stage",
            kind="integer",
            path="previous_stage__number",
        ),
        Column("contact", "Contact No.", kind="ref", path="contact__number"),
        Column(
            "contact_company",
            "Contact Company No.",
            kind="ref",
            path="contact_company__number",
        ),
        Column("salesperson", "Salesperson Code", kind="ref", path="salesperson__code"),
        Column("date_of_change", "Date of Change", kind="date", required=True),
        Column("active", "Active", kind="boolean"),
        Column("date_closed", "Date Closed", kind="date"),
        Column("days_open", "Days Open", kind="integer"),
        choice_column(
            "action_taken", "Action Taken", Action, aliases={"": Action.FIRST}
        ),
        Column("estimated_value", "Estimated Value (LCY)", kind="decimal"),
        Column("chances_pct", "Chances of Success %", kind="decimal"),
        Column("completed_pct", "Completed %", kind="decimal"),
        Column("probability_pct", "Probability %", kind="decimal"),
        Column("current_value", "Calcd. Current Value (LCY)", kind="decimal"),
        Column("estimated_close_date", "Estimated Close Date", kind="date"),
        Column(
            "close_reason",
            "Close Opportunity Code",
            kind="ref",
            path="close_reason__code",
        ),
    ]

    @classmethod
    def export_queryset(cls):
        return OpportunityEntry.objects.order_by("opportunity__number", "id")

    def plan(self, rows):
        opportunities = self.refs(
            rows,
            "opportunity",
            Opportunity.objects.select_related("sales_cycle"),
            "number",
        )
        contacts = self.refs(rows, "contact", Contact, "number")
        companies = self.refs(rows, "contact_company", Contact, "number")
        salespeople = self.refs(rows, "salesperson", Salesperson)
        cycles = self.refs(rows, "sales_cycle", SalesCycle)
        reasons = self.refs(rows, "close_reason", CloseReason)
        cycle_ids = {o.sales_cycle_id for o in opportunities.values()}
        stages = {
            (s.cycle_id, s.number): s for s in Stage.objects.filter(cycle__in=cycle_ids)
        }
        seen: dict = {}
        histories: dict[str, list[Row]] = {}
        for row in rows:
            number = row.values.get("entry_no")
            if number in seen:
                self.error(
                    row,
                    "entry_no",
                    _("Duplicate of line %(line)s.") % {"line": seen[number]},
                )
            seen[number] = row.line
            opp = opportunities.get(row.values.get("opportunity"))
            if opp is not None:
                histories.setdefault(opp.number, []).append(row)
        self.opportunities = []
        self.entries = []
        before = self._existing_histories([opportunities[n] for n in histories])
        stage_by_pk = {stage.pk: stage for stage in stages.values()}
        for number, history in histories.items():
            opp = opportunities[number]
            history.sort(key=lambda r: r.values["entry_no"] or 0)
            if any(r.line in self.problems.bad_lines for r in history):
                continue
            entries = self._history(
                opp, history, stages, contacts, companies, salespeople, cycles, reasons
            )
            if entries is None:
                continue
            new = [tuple(getattr(e, f) for f in ENTRY_FIELDS) for e in entries]
            old = before.get(opp.pk, [])
            if new == old:
                continue
            for row in history:
                row.created = not old
                if old:
                    row.changed.append("history")
            self._adopt(opp, entries, stage_by_pk)
            self.opportunities.append(opp)
            self.entries += entries

    def _existing_histories(self, opportunities) -> dict[int, list[tuple]]:
        found: dict[int, list[tuple]] = {}
        queryset = OpportunityEntry.objects.order_by(
            "opportunity_id", "id"
        ).values_list("opportunity_id", *ENTRY_FIELDS)
        for values in fetch(queryset, "opportunity", [o.pk for o in opportunities]):
            found.setdefault(values[0], []).append(values[1:])
        return found

    def _history(
        self, opp, history, stages, contacts, companies, salespeople, cycles, reasons
    ):
        """The entries of one opportunity, checked as a chain; None when invalid."""
        entries = []
        ok = True
        last = last_stage = None
        for index, row in enumerate(history):
            v = row.values

            def bad(column, message, row=row):
                nonlocal ok
                ok = False
                self.error(row, column, message)

            action = v.get("action_taken") or Action.FIRST
            closing = action in (Action.WON, Action.LOST)
            cycle = cycles.get(v.get("sales_cycle")) if v.get("sales_cycle") else None
            if cycle is not None and cycle.pk != opp.sales_cycle_id:
                bad(
                    "sales_cycle",
                    _("Opportunity %(number)s runs in cycle %(cycle)s.")
                    % {"number": opp.number, "cycle": opp.sales_cycle.code},
                )
            stage = None
            if v.get("stage") is not None:
                stage = stages.get((opp.sales_cycle_id, v["stage"]))
                if stage is None:
                    bad(
                        "stage",
                        _("Sales cycle %(cycle)s has no stage %(stage)s.")
                        % {"cycle": opp.sales_cycle.code, "stage": v["stage"]},
                    )
            if closing and stage is not None:
                bad("stage", _("A closing entry has no stage."))
            if not closing and stage is None and v.get("stage") is None:
                bad("stage", _("Required for a %(action)s entry.") % {"action": action})
            previous = last_stage
            given_previous = v.get("previous_stage")
            if given_previous is not None and (
                previous is None or previous.number != given_previous
            ):
                bad(
                    "previous_stage",
                    _("The entry before has stage %(stage)s.")
                    % {"stage": previous.number if previous else "-"},
                )
            date = v["date_of_change"]
            if date is None:
                continue
            floor = last.date_of_change if last is not None else opp.creation_date
            if date < floor:
                bad(
                    "date_of_change",
                    _(
                        "The date cannot be before %(date)s, the date of the last "
                        "change."
                    )
                    % {"date": floor.isoformat()},
                )
            is_last = index == len(history) - 1
            if "active" in v and v["active"] != is_last:
                bad(
                    "active",
                    _("Only the last entry of an opportunity is active.")
                    if v["active"]
                    else _("The last entry of an opportunity is the active one."),
                )
            reason = (
                reasons.get(v.get("close_reason")) if v.get("close_reason") else None
            )
            if closing and (reason is None or reason.type != action):
                bad(
                    "close_reason",
                    _("A %(action)s entry needs a close reason of that type.")
                    % {"action": action},
                )
            if not closing and reason is not None:
                bad("close_reason", _("Only closing entries have a close reason."))
            for name in ("chances_pct", "completed_pct", "probability_pct"):
                if v.get(name) is not None and not ZERO <= v[name] <= HUNDRED:
                    bad(name, _("Must be between 0 and 100."))
            for name in ("estimated_value", "current_value"):
                if v.get(name) is not None and v[name] < 0:
                    bad(name, _("Must not be negative."))
            if not ok:
                continue
            chances = v.get("chances_pct") or ZERO
            completed = v.get("completed_pct")
            if completed is None or "completed_pct" in row.empty:
                completed = HUNDRED if closing else stage.completed_pct
            value = v.get("estimated_value") or ZERO
            if "probability_pct" in row.empty or v.get("probability_pct") is None:
                figures = Figures.calculated(
                    opp.sales_cycle,
                    estimated_value=value,
                    chances_pct=chances,
                    completed_pct=completed,
                    estimated_close_date=v.get("estimated_close_date"),
                )
            else:
                figures = Figures(
                    estimated_value=value,
                    chances_pct=chances,
                    completed_pct=completed,
                    estimated_close_date=v.get("estimated_close_date"),
                    probability_pct=v["probability_pct"],
                    current_value=v.get("current_value") or ZERO,
                )
            contact = contacts.get(v.get("contact")) if v.get("contact") else None
            company = (
                companies.get(v.get("contact_company"))
                if v.get("contact_company")
                else None
            )
            entry = new_entry(
                opp,
                action=action,
                stage=stage,
                previous_stage_id=previous.pk if previous else None,
                date_of_change=date,
                figures=figures,
                close_reason=reason,
            )
            if contact is not None:
                entry.contact_id = contact.pk
            entry.contact_company_id = company.pk if company else opp.contact_company_id
            if v.get("salesperson"):
                entry.salesperson_id = salespeople[v["salesperson"]].pk
            if last is not None:
                last.active = False
                last.days_open = (date - last.date_of_change).days
            entries.append(entry)
            last, last_stage = entry, stage
        return entries if ok and entries else None

    @staticmethod
    def _adopt(opp, entries, stage_by_pk):
        """Make the opportunity's state and figures those of its active entry,
        its furthest stage the highest its entries stand on."""
        active = entries[-1]
        if active.action_taken in (Action.WON, Action.LOST):
            opp.status = active.action_taken
            opp.stage_id = active.previous_stage_id
            opp.date_closed = active.date_of_change
            opp.close_reason_id = active.close_reason_id
        else:
            opp.status = Status.IN_PROGRESS
            opp.stage_id = active.stage_id
            opp.date_closed = None
            opp.close_reason = None
        for name in (
            "estimated_value",
            "chances_pct",
            "completed_pct",
            "probability_pct",
            "current_value",
            "estimated_close_date",
        ):
            setattr(opp, name, getattr(active, name))
        opp.furthest_stage = furthest_stage(
            *(stage_by_pk.get(entry.stage_id) for entry in entries)
        )
        opp.version += 1

    def write(self, rows):
        ids = [o.pk for o in self.opportunities]
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            # Tasks made by the old entries stay, no longer tied to an entry.
            Task.objects.filter(opportunity_entry__opportunity__in=chunk).update(
                opportunity_entry=None
            )
            OpportunityEntry.objects.filter(opportunity__in=chunk).delete()
        OpportunityEntry.objects.bulk_create(self.entries, batch_size=BATCH)
        Opportunity.objects.bulk_update(
            self.opportunities,
            [
                "status",
                "stage",
                "furthest_stage",
                "date_closed",
                "close_reason",
                "estimated_value",
                "chances_pct",
                "completed_pct",
                "probability_pct",
                "current_value",
                "estimated_close_date",
                "version",
            ],
            batch_size=BATCH,
        )


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


IMPORTERS = [
    CloseReasonImporter,
    OpportunityImporter,
    OpportunityEntryImporter,
    QuoteImporter,
    TaskImporter,
    InteractionImporter,
]
