"""Opportunity.furthest_stage: the highest-numbered stage of its entries.

Filled in for the opportunities there are, in one UPDATE; from here on every
write of an entry keeps it.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_furthest_stage(apps, schema_editor):
    Opportunity = apps.get_model("opportunities", "Opportunity")
    OpportunityEntry = apps.get_model("opportunities", "OpportunityEntry")
    highest = (
        OpportunityEntry.objects.filter(opportunity=OuterRef("pk"), stage__isnull=False)
        .order_by("-stage__number")
        .values("stage")[:1]
    )
    Opportunity.objects.update(furthest_stage=Subquery(highest))


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0005_stage_time_and_board_indexes"),
        ("salescycles", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="furthest_stage",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                help_text="The highest-numbered stage the opportunity has been at.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="salescycles.stage",
                verbose_name="furthest stage",
            ),
        ),
        migrations.RunPython(fill_furthest_stage, migrations.RunPython.noop),
    ]
