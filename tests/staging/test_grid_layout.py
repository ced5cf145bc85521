"""Which grid columns a person chose, in which order and how wide: kept per person and project."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from portal.staging.grid_layout import load_layout
from portal.staging.models import Batch, GridLayout
from procore_sandbox.testing import DANA
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)


def keep(client: Client, batch: Batch, columns) -> object:
    return client.post(f"/batches/{batch.pk}/grid/layout.json", json.dumps({"columns": columns}), "application/json")


def test_it_keeps_a_persons_columns_for_every_batch_of_the_project(
    sandbox, person_client, riverside_person, stage, riverside_field
):
    first, second = stage(["A-DRW-101_Plan_Rev B.pdf"]), stage(["S-DRW-201_Framing_Rev A.pdf"])
    status, name, description = riverside_field("status"), riverside_field("name"), riverside_field("description")
    chosen = [
        {"id": status, "shown": True, "width": 240},
        {"id": name, "shown": False},
        {"id": description, "shown": True, "width": 5},
    ]
    answer = keep(person_client, first, chosen)
    assert answer.status_code == 200, answer.content
    kept = [
        {"id": status, "shown": True, "width": 240},
        {"id": name, "shown": False},
        {"id": description, "shown": True},
    ]
    assert answer.json() == {"columns": kept}  # a width of 5 px is not kept

    # The same project's other batch opens with the same columns; the layout is the person's alone.
    assert person_client.get(f"/batches/{second.pk}/grid.json").json()["layout"] == {"columns": kept}
    assert load_layout(portal_user(sandbox, DANA), second) == []

    # Choosing again replaces the choice.
    keep(person_client, second, [{"id": name, "shown": True}])
    assert GridLayout.objects.get(user=riverside_person).columns == [{"id": name, "shown": True}]


def test_it_keeps_folder_batches_columns_apart(person_client, riverside_person, stage, riverside_field):
    folder = stage(["Photo.jpg"], target=Batch.Target.FOLDER)
    metadata = stage(["A-DRW-101_Plan_Rev B.pdf"])
    keep(person_client, folder, [{"id": "description", "shown": False}, {"id": "title", "shown": True}])
    keep(person_client, metadata, [{"id": riverside_field("status"), "shown": False}])
    assert GridLayout.objects.filter(user=riverside_person).count() == 2
    assert person_client.get(f"/batches/{folder.pk}/grid.json").json()["layout"]["columns"][0]["id"] == "description"


def test_it_drops_columns_the_grid_does_not_have_and_refuses_what_is_not_a_layout(
    person_client, stage, riverside_field
):
    batch = stage(["A-DRW-101_Plan_Rev B.pdf"])
    status = riverside_field("status")
    kept = keep(person_client, batch, [{"id": "gone"}, {"id": status}, {"id": status, "shown": False}]).json()
    assert kept == {"columns": [{"id": status, "shown": True}]}
    assert keep(person_client, batch, "all").status_code == 400
    assert keep(person_client, batch, [{"shown": True}]).status_code == 400
    bad_json = person_client.post(f"/batches/{batch.pk}/grid/layout.json", "{", "application/json")
    assert bad_json.status_code == 400
