"""Schedule the staging housekeeping (django-q2 Schedules): resume submissions whose worker died,
and remove staged files Procore has confirmed, after STAGING_RETENTION_DAYS."""

from django.db import migrations

SCHEDULES = [
    ("portal.staging.tasks.resume_stalled_submissions", "Resume stalled submissions", 1),
    ("portal.staging.tasks.remove_confirmed_files", "Remove confirmed staged files", 60),
]


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
        ("staging", "0002_submit_pipeline"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedules, remove_schedules)]
