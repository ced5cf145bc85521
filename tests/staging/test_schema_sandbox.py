"""The portal's schema, proposals, rules and validation agree with the live sandbox's configuration.

The portal learns each project's setup only through the API (mirror sync over HTTP); the test
then asks the sandbox's own logic what Procore would do with the same metadata.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.staging.naming import propose
from portal.staging.rules import applicable_rule
from portal.staging.schema import Schema, load_schema
from portal.staging.validation import validate
from procore_sandbox.models import DocumentRevision, PdmProject
from procore_sandbox.pdm import metadata as pdm_metadata
from procore_sandbox.testing import DANA, ELI, SAM

pytestmark = pytest.mark.django_db(transaction=True)
PDF = "application/pdf"


def mirrored_schema(synced_project, login: str, project_id: int) -> Schema:
    project = synced_project(login, project_id).project
    with CaptureQueriesContext(connection) as queries:
        schema = load_schema(project)
        # fields, values, rules, people; and the portal's members when Procore refused the people
        base = 4 + (not schema.people.complete)
        assert len(queries.captured_queries) == base
        _ = schema.naming_separator, schema.existing_revisions  # loaded on first use, once
        separator_and_revisions = len(queries.captured_queries) - base
        _ = schema.naming_separator, schema.existing_revisions
    assert len(queries.captured_queries) - base == separator_and_revisions
    naming = int(len(schema.naming_fields) > 1)
    forbids = int(any(not r.allow_duplicate_revisions for r in schema.rules))
    assert separator_and_revisions == naming + forbids
    return schema


def sandbox_side(project_id: int) -> pdm_metadata.ProjectSchema:
    return pdm_metadata.ProjectSchema(PdmProject.objects.get(project_id=project_id))


def by_name(metadata: dict[str, list[str]], schema: Schema) -> dict[str, dict]:
    """The portal's {field id: values} in the sandbox's storage shape {field name: {"values"}}."""
    return {schema.fields_by_id[k].name: {"values": v} for k, v in metadata.items()}


def with_codes(schema: Schema, **codes: str) -> dict[str, list[str]]:
    metadata = {}
    for name, code in codes.items():
        field = schema.fields_by_name[name]
        value = schema.active_value_by_code(field, code) if field.takes_values else None
        assert value is not None or not field.takes_values, f"no active value {code} for {name}"
        metadata[field.id] = [value.id] if value is not None else [code]
    return metadata


def test_it_proposes_what_the_sandbox_scrapes_for_riverside(synced_project):
    schema = mirrored_schema(synced_project, ELI, 2305)
    assert [f.name for f in schema.naming_fields] == ["discipline", "type", "number"]
    file_name = "A-DRW-101_Floor Plan_Rev B.pdf"
    proposal = propose(file_name, schema)

    theirs = sandbox_side(2305)
    scraped: dict[str, dict] = {}
    status, _ = pdm_metadata.scrape_filename(theirs, file_name, scraped)
    pdm_metadata.run_ml(theirs, file_name, PDF, scraped)
    assert status == "completed"
    # What scraping took from the name, and the revision Procore's ML reads from it (ML's other
    # guesses, such as a description, are Procore's to make after upload).
    filled = {
        name: entry["values"]
        for name, entry in scraped.items()
        if entry.get("values") and (entry["label_source"] == "FILENAME_SCRAPING" or name == "revision")
    }
    assert set(filled) == {"discipline", "type", "number", "revision"}
    ours = {schema.fields_by_id[k].name: v for k, v in proposal.metadata.items()}
    assert {name: ours.get(name) for name in filled} == filled
    # The name the seeded revision of this very file carries.
    assert ours["name"] == ["Floor Plan"] and proposal.unmatched == []


@pytest.mark.parametrize(
    "codes",
    [
        {},
        {"type": "DRW"},
        {"type": "SPC"},
        {"type": "DRW", "discipline": "S"},
        {"type": "DRW", "discipline": "A"},
        {"discipline": "S"},
        {"type": "RPT", "discipline": "S"},
    ],
)
def test_it_chooses_the_rule_the_sandbox_applies_and_misses_the_same_fields(synced_project, codes):
    schema = mirrored_schema(synced_project, ELI, 2305)
    theirs = sandbox_side(2305)
    metadata = with_codes(schema, name="Floor Plan", **codes)
    rule = applicable_rule(metadata, schema)
    assert rule.id == theirs.applicable_rule(by_name(metadata, schema)).id
    _, problems = validate(metadata, file_name="x.pdf", mime_type=PDF, schema=schema)
    missing = {schema.fields_by_id[p.field_id].name for p in problems if "is required by" in p.message}
    assert missing == set(theirs.missing_required(by_name(metadata, schema)))


def test_it_reads_inactive_values_as_the_sandbox_does(synced_project):
    schema = mirrored_schema(synced_project, ELI, 2305)
    proposal = propose("X-DRW-101_Old Plan.pdf", schema)
    assert proposal.unmatched == ["X: Discipline “Legacy” is inactive in this project"]
    legacy = next(v for v in schema.values_by_field[schema.fields_by_name["discipline"].id] if v.code == "X")
    metadata = {**proposal.metadata, schema.fields_by_name["discipline"].id: [legacy.id]}
    _, problems = validate(metadata, file_name="X-DRW-101_Old Plan.pdf", mime_type=PDF, schema=schema)
    assert any(p.field_id == legacy.field_id and "no longer active" in p.message for p in problems)
    assert sandbox_side(2305).inactive_values(by_name(metadata, schema)) == ["discipline"]


def test_it_proposes_only_a_name_where_there_is_no_naming_standard(synced_project):
    schema = mirrored_schema(synced_project, SAM, 2306)
    assert schema.naming_fields == []
    proposal = propose("Site Plan.pdf", schema)
    assert {schema.fields_by_id[k].name: v for k, v in proposal.metadata.items()} == {"name": ["Site Plan"]}
    status, _ = pdm_metadata.scrape_filename(sandbox_side(2306), "Site Plan.pdf", {})
    assert status == "not_applicable"
    rule = applicable_rule(proposal.metadata, schema)
    assert rule.is_default and rule.id == sandbox_side(2306).applicable_rule({}).id
    _, problems = validate(proposal.metadata, file_name="Site Plan.pdf", mime_type=PDF, schema=schema)
    assert sorted(schema.fields_by_id[p.field_id].name for p in problems) == ["revision", "status", "type"]


def test_it_finds_the_duplicate_revisions_the_sandbox_would_refuse(synced_project):
    schema = mirrored_schema(synced_project, DANA, 2307)
    assert schema.naming_separator == "."  # inferred from the revisions' file names: the API does not say
    theirs = sandbox_side(2307)
    for revision, duplicate in [("Rev B", True), ("Rev A", True), ("Rev C", False)]:
        file_name = f"S.201_Deck Framing Plan_{revision}.pdf"
        metadata = {**propose(file_name, schema).metadata, **with_codes(schema, status="OPN", type="DRW")}
        rule, problems = validate(metadata, file_name=file_name, mime_type=PDF, schema=schema)
        assert rule.allow_duplicate_revisions is False
        criteria = theirs.match_criteria(by_name(metadata, schema), PDF)
        in_sandbox = any(
            r.metadata.get("revision", {}).get("values") == [revision]
            for r in DocumentRevision.objects.filter(container__match_criteria=criteria, recycled_at__isnull=True)
        )
        assert in_sandbox is duplicate
        messages = [p.message for p in problems]
        expected = (
            f"Revision {revision[-1]} already exists for S.201 (PDF) and this project does not allow "
            "duplicate revisions"
        )
        assert (expected in messages) is duplicate, messages
        assert len(problems) == int(duplicate)
    # Same codes, another format: another container.
    metadata = {
        **propose("S.201_Deck Framing Plan_Rev B.dwg", schema).metadata,
        **with_codes(schema, status="OPN", type="DRW"),
    }
    assert (
        validate(metadata, file_name="S.201_Deck Framing Plan_Rev B.dwg", mime_type="image/vnd.dwg", schema=schema)[1]
        == []
    )
