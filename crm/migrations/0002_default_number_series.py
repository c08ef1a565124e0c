from django.db import migrations

SERIES = [
    ("CONTACT", "CT", "Contacts"),
    ("OPPORTUNITY", "OP", "Opportunities"),
    ("TASK", "TD", "Tasks"),
    ("QUOTE", "SQ", "Sales quotes"),
]


def create_series(apps, schema_editor):
    NumberSeries = apps.get_model("crm", "NumberSeries")
    for code, prefix, description in SERIES:
        NumberSeries.objects.get_or_create(
            code=code, defaults={"prefix": prefix, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(create_series, migrations.RunPython.noop)]
