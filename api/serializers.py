"""What the API shows of each record, and what it takes for each change.

Reads are ModelSerializers; a write's input is a plain Serializer whose
validated data goes to the service that the pages call (the rules are the
services', not repeated here).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contacts.models import Contact, Salesperson
from opportunities.choices import InteractionKind
from opportunities.history import FIGURES
from opportunities.models import (
    CloseReason,
    CloseReasonType,
    Interaction,
    Opportunity,
    OpportunityEntry,
    Task,
)
from opportunities.moves import Move
from salescycles.models import Priority, SalesCycle, Stage


def code_of(model, field="code", **kwargs):
    """A reference written as its code (or number), as in files and URLs."""
    return serializers.SlugRelatedField(
        slug_field=field, queryset=model.objects.all(), **kwargs
    )


class SalespersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Salesperson
        fields = ["code", "name", "email", "phone", "job_title", "blocked"]


class ContactSerializer(serializers.ModelSerializer):
    company = serializers.SlugRelatedField(slug_field="number", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "number",
            "type",
            "name",
            "company",
            "salesperson",
            "email",
            "phone",
            "mobile",
            "street",
            "postcode",
            "city",
            "country",
        ]


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = [
            "id",
            "number",
            "description",
            "completed_pct",
            "chances_pct",
            "quote_required",
            "allow_skip",
            "date_formula",
        ]


class SalesCycleSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = SalesCycle
        fields = [
            "code",
            "description",
            "probability_method",
            "blocked",
            "is_default",
            "stages",
        ]


class CloseReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = CloseReason
        fields = ["code", "description", "type"]


class OpportunitySerializer(serializers.ModelSerializer):
    contact = serializers.SlugRelatedField(slug_field="number", read_only=True)
    contact_company = serializers.SlugRelatedField(slug_field="number", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sales_cycle = serializers.SlugRelatedField(slug_field="code", read_only=True)
    stage = serializers.SlugRelatedField(slug_field="number", read_only=True)
    close_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "number",
            "description",
            "contact",
            "contact_company",
            "salesperson",
            "sales_cycle",
            "status",
            "priority",
            "stage",
            "creation_date",
            *FIGURES,
            "date_closed",
            "close_reason",
            "version",
        ]


class EntrySerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="number", read_only=True)
    close_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OpportunityEntry
        fields = [
            "id",
            "action_taken",
            "stage",
            "date_of_change",
            "active",
            "date_closed",
            "days_open",
            *FIGURES,
            "close_reason",
            "note",
        ]


class TaskSerializer(serializers.ModelSerializer):
    opportunity = serializers.SlugRelatedField(slug_field="number", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)
    contact = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Task
        fields = [
            "number",
            "type",
            "description",
            "date",
            "time",
            "priority",
            "status",
            "closed",
            "cancelled",
            "date_closed",
            "salesperson",
            "contact",
            "opportunity",
        ]


class InteractionSerializer(serializers.ModelSerializer):
    opportunity = serializers.SlugRelatedField(slug_field="number", read_only=True)
    salesperson = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Interaction
        fields = ["id", "opportunity", "date", "kind", "description", "salesperson"]


class OpportunityDetailSerializer(OpportunitySerializer):
    history = EntrySerializer(source="entries", many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "history", "tasks"]


# -- what the changes take ---------------------------------------------------------


class OpportunityCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    contact = code_of(Contact, "number")
    salesperson = code_of(Salesperson)
    sales_cycle = code_of(SalesCycle)
    number = serializers.CharField(max_length=20, required=False, default="")
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
    creation_date = serializers.DateField(required=False)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    estimated_close_date = serializers.DateField(required=False)
    start = serializers.BooleanField(
        default=False, help_text=_("Start it at the cycle's first stage at once.")
    )


class OpportunityEditSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    description = serializers.CharField(max_length=100, required=False)
    priority = serializers.ChoiceField(Priority.choices, required=False)
    contact = code_of(Contact, "number", required=False)


class MoveSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    move = serializers.ChoiceField(Move.choices)
    target_stage = serializers.IntegerField(
        required=False, help_text=_("The stage's number in its cycle.")
    )
    date_of_change = serializers.DateField(required=False)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    chances_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False
    )
    estimated_close_date = serializers.DateField(required=False)


class CloseSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    outcome = serializers.ChoiceField(CloseReasonType.choices)
    close_reason = code_of(CloseReason)
    date_closed = serializers.DateField(required=False)
    sale_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False
    )
    cancel_open_tasks = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, default="", allow_blank=True)


class ReopenSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField()
    date_of_change = serializers.DateField(required=False)


class TaskCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    date = serializers.DateField()
    time = serializers.TimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)


class InteractionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(InteractionKind.choices)
    description = serializers.CharField()
    date = serializers.DateField(required=False)


class LeadSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    company = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    description = serializers.CharField(max_length=100)
