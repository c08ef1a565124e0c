"""Import and export of NAV's opportunity entries: whole histories."""

import dataclasses
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
    choice_column,
    fetch,
    rule_message,
)
from opportunities import rules
from opportunities.history import (
    FIGURES,
    Figures,
    apply_figures,
    new_entry,
    replace_histories,
    retire,
)
from opportunities.models import (
    Action,
    CloseReason,
    Opportunity,
    OpportunityEntry,
    Status,
    furthest_stage,
)
from salescycles.models import SalesCycle, Stage

HUNDRED = Decimal(100)
ZERO = Decimal(0)


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
    "note",
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
        # Ours (NAV has none): why it was reopened, or the closing's note.
        Column("note", None),
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
        self.today = timezone.localdate()
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
            # An entry no. that is not a number is an error already: sort it first.
            history.sort(key=lambda r: r.values.get("entry_no") or 0)
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

            def bad(column, message, code=None, row=row):
                nonlocal ok
                ok = False
                self.error(row, column, message, code)

            def rule(column, error, row=row, **params):
                """Report an opportunity rule's error with its message and code."""
                if error is not None:
                    bad(column, rule_message(error, **params), error.code, row)

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
            # Reopened after closing before it started: not started again, no
            # stage (as opportunity_reopen writes it).
            unstarted = (
                action == Action.REOPENED
                and last is not None
                and last.action_taken in (Action.WON, Action.LOST)
                and last.previous_stage_id is None
            )
            if (
                not closing
                and not unstarted
                and stage is None
                and v.get("stage") is None
            ):
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
            floor = rules.date_floor(opp, last)
            rule(
                "date_of_change",
                rules.date_not_before_last_change(date, floor),
                # Dates in a file's messages are written as files write them.
                date=floor.isoformat(),
            )
            rule("date_of_change", rules.not_in_future(date, self.today))
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
            error = rules.close_reason_fits(reason, action) if closing else None
            if error is not None:
                # The rule's code; the message names the entry's action.
                bad(
                    "close_reason",
                    _("A %(action)s entry needs a close reason of that type.")
                    % {"action": action},
                    error.code,
                )
            if not closing and reason is not None:
                bad("close_reason", _("Only closing entries have a close reason."))
            for name in ("chances_pct", "completed_pct", "probability_pct"):
                if v.get(name) is not None:
                    rule(name, rules.percentage(v[name]))
            for name in ("estimated_value", "current_value"):
                if v.get(name) is not None:
                    rule(
                        name,
                        rules.not_negative(v[name])
                        or rules.amount_within_limit(v[name]),
                    )
            close_date = v.get("estimated_close_date")
            if not closing and close_date is not None:
                rule(
                    "estimated_close_date",
                    rules.close_date_within_reach(close_date, date),
                )
            note = (v.get("note") or "").strip()
            rule("note", rules.note_fits(note))
            if not ok:
                continue
            chances = v.get("chances_pct") or ZERO
            completed = v.get("completed_pct")
            if completed is None or "completed_pct" in row.empty:
                completed = (
                    HUNDRED if closing else stage.completed_pct if stage else ZERO
                )
            value = v.get("estimated_value") or ZERO
            if "probability_pct" in row.empty or v.get("probability_pct") is None:
                figures = Figures.calculated(
                    opp.sales_cycle,
                    estimated_value=value,
                    chances_pct=chances,
                    completed_pct=completed,
                    estimated_close_date=v.get("estimated_close_date"),
                )
                if action == Action.WON and v.get("current_value"):
                    # A won entry's current value is the sale value, not a
                    # share of its estimated value (the last estimate).
                    figures = dataclasses.replace(
                        figures, current_value=v["current_value"]
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
                note=note,
            )
            if contact is not None:
                entry.contact_id = contact.pk
            if company is not None:
                entry.contact_company_id = company.pk
            elif "contact_company" in row.empty:
                entry.contact_company_id = None  # a person of no company then
            else:
                entry.contact_company_id = opp.contact_company_id
            if v.get("salesperson"):
                entry.salesperson_id = salespeople[v["salesperson"]].pk
            if last is not None:
                retire(last, date)
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
            # No stage: reopened after closing before it started.
            opp.status = Status.IN_PROGRESS if active.stage_id else Status.NOT_STARTED
            opp.stage_id = active.stage_id
            opp.date_closed = None
            opp.close_reason = None
        apply_figures(opp, active)
        opp.furthest_stage = furthest_stage(
            *(stage_by_pk.get(entry.stage_id) for entry in entries)
        )
        opp.version += 1

    def write(self, rows):
        replace_histories(
            [o.pk for o in self.opportunities],
            self.entries,
            ids_per_query=IN_CHUNK,
            batch_size=BATCH,
        )
        Opportunity.objects.bulk_update(
            self.opportunities,
            [
                "status",
                "stage",
                "furthest_stage",
                "date_closed",
                "close_reason",
                *FIGURES,
                "version",
            ],
            batch_size=BATCH,
        )
