"""Schedule the pruning of the compare cache (downloaded current revisions, compare pictures)."""

from django.db import migrations

SCHEDULES = [("portal.staging.issue_control.tasks.prune_compare_cache", "Prune the compare cache", 24 * 60)]


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for func, name, minutes in SCHEDULES:
        Schedule.objects.get_or_create(
            func=func, defaults={"name": name, "schedule_type": "I", "minutes": minutes, "repeats": -1}
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func__in=[f for f, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0008_issue_control"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
