"""Schedule the hourly sweep of staged-file storage: unfinished uploads aborted, orphaned files removed."""

from django.db import migrations

FUNC = "portal.staging.tasks.sweep_uploads"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC, defaults={"name": "Sweep staged-file storage", "schedule_type": "I", "minutes": 60, "repeats": -1}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staging", "0013_incoming_files"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
