"""A won closing entry keeps the last estimate (SPEC §6, as in Business Central).

Before, a won entry's estimated value was the sale value. From here on it is
the estimated value of the entry before it (the last estimate; 0 when it was
won before it started), and its current value stays the sale value. A won
opportunity whose active entry is that won entry takes the same figures. Two
UPDATEs of correlated subqueries each, whatever the number of rows.
"""

from django.db import migrations
from django.db.models import DecimalField, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

WON = "won"


def keep_the_last_estimate(apps, schema_editor):
    Opportunity = apps.get_model("opportunities", "Opportunity")
    OpportunityEntry = apps.get_model("opportunities", "OpportunityEntry")
    # Entries are in the order they were written (ids), as reopening reads them.
    before = (
        OpportunityEntry.objects.filter(
            opportunity=OuterRef("opportunity"), pk__lt=OuterRef("pk")
        )
        .order_by("-pk")
        .values("estimated_value")[:1]
    )
    OpportunityEntry.objects.filter(action_taken=WON).update(
        estimated_value=Coalesce(
            Subquery(before),
            Value(0),
            output_field=DecimalField(max_digits=15, decimal_places=2),
        )
    )
    _copy_onto_won_opportunities(Opportunity, OpportunityEntry)


def sale_value_as_estimate(apps, schema_editor):
    """Back to the old meaning: a won entry's estimated value is the sale value."""
    Opportunity = apps.get_model("opportunities", "Opportunity")
    OpportunityEntry = apps.get_model("opportunities", "OpportunityEntry")
    OpportunityEntry.objects.filter(action_taken=WON).update(
        estimated_value=F("current_value")
    )
    _copy_onto_won_opportunities(Opportunity, OpportunityEntry)


def _copy_onto_won_opportunities(Opportunity, OpportunityEntry):
    """A won opportunity's current figures are those of its active won entry."""
    closing = OpportunityEntry.objects.filter(
        opportunity=OuterRef("pk"), active=True, action_taken=WON
    )
    Opportunity.objects.filter(status=WON).filter(Exists(closing)).update(
        estimated_value=Subquery(closing.values("estimated_value")[:1]),
        current_value=Subquery(closing.values("current_value")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0007_list_totals_index"),
    ]

    operations = [
        migrations.RunPython(keep_the_last_estimate, sale_value_as_estimate),
    ]
