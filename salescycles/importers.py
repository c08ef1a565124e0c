"""Import and export of sales cycles, stages and activities with their steps."""

from django.utils.translation import gettext as _

from crm.dataio import Column, Importer, Row, choice_column
from salescycles.models import (
    Activity,
    ActivityStep,
    ActivityStepType,
    Priority,
    SalesCycle,
    Stage,
)
from salescycles.probability import Method


class SalesCycleImporter(Importer):
    kind = "sales-cycles"
    model = SalesCycle
    key = ("code",)
    columns = [
        Column("code", "Code", required=True),
        Column("description", "Description"),
        choice_column("probability_method", "Probability Calculation", Method),
        Column("blocked", "Blocked", kind="boolean"),
    ]

    def existing(self, rows):
        codes = [r.values["code"] for r in rows]
        return {(o.code,): o for o in SalesCycle.objects.filter(code__in=codes)}


class StageImporter(Importer):
    """Stages, keyed by cycle code and stage number; the cycle must exist."""

    kind = "stages"
    model = Stage
    key = ("cycle", "number")
    columns = [
        Column(
            "cycle",
            "Sales Cycle Code",
            kind="ref",
            required=True,
            attr="cycle_id",
            path="cycle__code",
        ),
        Column("number", "Stage", kind="integer", required=True),
        Column("description", "Description", required=True),
        Column("completed_pct", "Completed %", kind="decimal"),
        Column("chances_pct", "Chances of Success %", kind="decimal"),
        Column(
            "activity",
            "Activity Code",
            kind="ref",
            attr="activity_id",
            path="activity__code",
        ),
        Column("quote_required", "Quote Required", kind="boolean"),
        Column("allow_skip", "Allow Skip", kind="boolean"),
        Column("date_formula", "Date Formula"),
    ]
    exclude_clean = ("cycle", "activity")

    @classmethod
    def export_queryset(cls):
        return Stage.objects.order_by("cycle__code", "number")

    def resolve(self, rows):
        for column, model in (("cycle", SalesCycle), ("activity", Activity)):
            found = self.refs(rows, column, model)
            for row in rows:
                if row.values.get(column):
                    row.values[column] = found.get(row.values[column])

    def check(self, rows):
        for row in rows:
            if row.obj.number is not None and row.obj.number <= 0:
                self.error(row, "number", _("Must be greater than zero."))

    def row_key(self, row):
        cycle = row.values.get("cycle")
        return (cycle.pk if cycle else None, row.values.get("number"))

    def existing(self, rows):
        cycles = {r.values["cycle"].pk for r in rows if r.values.get("cycle")}
        return {
            (s.cycle_id, s.number): s for s in Stage.objects.filter(cycle__in=cycles)
        }


class ActivityImporter(Importer):
    """Activity steps, one row per step with its activity's code.

    The activity is created when new; a row without a step number only creates
    or describes the activity (an activity without steps).
    """

    kind = "activities"
    model = ActivityStep
    key = ("activity", "step_no")
    # Exports read activities joined to their steps, so that an activity
    # without steps is a row too: the paths start from Activity.
    columns = [
        Column(
            "activity",
            "Activity Code",
            kind="ref",
            required=True,
            attr="activity_id",
            path="code",
        ),
        Column("activity_description", None, path="description"),
        Column("step_no", "Step No.", kind="integer", path="steps__step_no"),
        choice_column(
            "type",
            "Type",
            ActivityStepType,
            aliases={"": ActivityStepType.NONE},
            path="steps__type",
        ),
        Column("description", "Description", path="steps__description"),
        choice_column("priority", "Priority", Priority, path="steps__priority"),
        Column("date_formula", "Date Formula", path="steps__date_formula"),
    ]
    exclude_clean = ("activity",)

    @classmethod
    def export_queryset(cls):
        return Activity.objects.order_by("code", "steps__step_no")

    def plan(self, rows):
        codes = {r.values["activity"] for r in rows if r.values.get("activity")}
        self.activities = {a.code: a for a in Activity.objects.filter(code__in=codes)}
        before = {code: a.description for code, a in self.activities.items()}
        first_row: dict[str, Row] = {}
        steps = []
        for row in rows:
            code = row.values.get("activity")
            if not code:
                continue
            activity = self.activities.setdefault(code, Activity(code=code))
            first = first_row.setdefault(code, row)
            description = row.values.pop("activity_description", None)
            if description is not None and first is row:
                activity.description = description
            elif description is not None and description != activity.description:
                self.error(
                    row,
                    "activity_description",
                    _("Differs from line %(line)s.") % {"line": first.line},
                )
            row.values["activity"] = activity
            if row.values.get("step_no") is not None:
                steps.append(row)
            elif len(row.values) > 1 and any(
                v not in ("", None) for k, v in row.values.items() if k != "activity"
            ):
                self.error(row, "step_no", _("Required for a step."))
        super().plan(steps)
        # The rows that introduce or describe an activity count its change.
        for code, row in first_row.items():
            activity = self.activities[code]
            if row.values.get("step_no") is None and row.obj is None:
                row.obj = activity
                row.created = activity.pk is None
            if activity.pk is not None and before[code] != activity.description:
                row.changed.append("activity.description")
        self.new_activities = [a for a in self.activities.values() if a.pk is None]
        self.changed_activities = [
            a
            for code, a in self.activities.items()
            if a.pk is not None and before[code] != a.description
        ]

    def row_key(self, row):
        return (row.values["activity"].code, row.values.get("step_no"))

    def existing(self, rows):
        ids = {a.pk for a in self.activities.values() if a.pk}
        return {
            (s.activity.code, s.step_no): s
            for s in ActivityStep.objects.filter(activity__in=ids).select_related(
                "activity"
            )
        }

    def assign(self, row):
        activity = row.values.pop("activity")
        super().assign(row)
        row.values["activity"] = activity
        if row.created:
            row.obj.activity = activity

    def write(self, rows):
        Activity.objects.bulk_create(self.new_activities, batch_size=1000)
        Activity.objects.bulk_update(
            self.changed_activities, ["description"], batch_size=1000
        )
        steps = [r for r in rows if isinstance(r.obj, ActivityStep)]
        ActivityStep.objects.bulk_create(
            [r.obj for r in steps if r.created], batch_size=1000
        )
        self.update([r for r in steps if r.changed])


IMPORTERS = [ActivityImporter, SalesCycleImporter, StageImporter]
