"""The test database as root conftest.py prepares it: the flush between transactional tests
(it deletes instead of truncating) leaves none of the rows that reference each other for the next
test, whatever order the tables come in, and the rows post_migrate makes are there; its receivers
stay connected; commits do not wait for the disk. The first two tests run in this order (a file
keeps its order and its process under `make test`)."""

from __future__ import annotations

import weakref

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from portal.accounts.models import User
from portal.mirror.models import Company, Membership, Project
from portal.staging.models import Batch
from portal.webhooks.models import ProcessingQueue

pytestmark = pytest.mark.django_db(transaction=True)

COMPANY = 990_001


def test_a_transactional_test_leaves_rows_that_reference_each_other():
    company = Company.objects.create(id=COMPANY, name="Flush Builders")
    project = Project.objects.create(id=990_002, company=company, name="Flush Tower")
    user = User.objects.create(username="flush", email="flush@example.com")
    Membership.objects.create(user=user, project=project)
    Batch.objects.create(project=project, name="Left behind", created_by=user)
    assert Batch.objects.filter(project__company_id=COMPANY).count() == 1


def test_the_next_one_finds_them_gone_and_what_post_migrate_makes_in_place():
    assert not Company.objects.filter(id=COMPANY).exists()
    assert not Project.objects.exists() and not Batch.objects.exists() and not Membership.objects.exists()
    assert not User.objects.filter(username="flush").exists()
    assert ContentType.objects.filter(app_label="staging", model="batch").exists()
    assert Permission.objects.filter(codename="change_batch").exists()
    assert ProcessingQueue.objects.exists()  # the webhooks app's post_migrate makes its queue row again


def test_the_flush_gives_back_the_receivers_it_skips():
    """A migrate after the flushes still makes content types and permissions."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.db.models.signals import post_migrate

    receivers = [entry[1]() if isinstance(entry[1], weakref.ref) else entry[1] for entry in post_migrate.receivers]
    assert create_permissions in receivers and create_contenttypes in receivers


def test_the_test_database_does_not_wait_for_its_wal():
    """Root conftest.py's django_db_setup: commits to a throwaway database need not reach the disk."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
