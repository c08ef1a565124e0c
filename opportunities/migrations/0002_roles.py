"""The two roles as groups: sales reps and sales managers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ["crm", "contacts", "salescycles", "opportunities"]

REP_PERMISSIONS = [
    "contacts.view_salesperson",
    "contacts.view_contact",
    "contacts.add_contact",
    "contacts.change_contact",
    "salescycles.view_salescycle",
    "salescycles.view_stage",
    "salescycles.view_activity",
    "salescycles.view_activitystep",
    "opportunities.view_closereason",
    "opportunities.view_opportunity",
    "opportunities.add_opportunity",
    "opportunities.change_opportunity",
    "opportunities.delete_opportunity",
    "opportunities.view_opportunityentry",
    "opportunities.view_salesquote",
    "opportunities.add_salesquote",
    "opportunities.view_task",
    "opportunities.add_task",
    "opportunities.change_task",
    "opportunities.view_interaction",
    "opportunities.add_interaction",
]


def create_roles(apps, schema_editor):
    # Permissions are made after migrations; these need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(names):
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        return found

    reps, _ = Group.objects.get_or_create(name="Sales reps")
    reps.permissions.set(permissions(REP_PERMISSIONS))
    managers, _ = Group.objects.get_or_create(name="Sales managers")
    managers.permissions.set(
        Permission.objects.filter(content_type__app_label__in=APPS)
    )
    managers.permissions.add(*permissions(["auth.view_user"]))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Sales reps", "Sales managers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("crm", "0002_default_number_series"),
        ("contacts", "0001_initial"),
        ("salescycles", "0001_initial"),
        ("opportunities", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
