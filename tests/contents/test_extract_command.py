"""`manage.py extract_metadata FILE ...`: one JSON object per line per PDF page, `null` for what
could not be read, and with --project the project's naming standard applied."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.support.drawings import FIELDS

ROOT = Path(__file__).resolve().parents[2]


def test_it_prints_one_line_per_page_as_the_issue_specifies(drawing_set, tmp_path):
    directory, truth = drawing_set
    files = ["iso_box-set.pdf", "register-1.pdf", "us_strip-1.pdf"]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    paths = [str(directory / f) for f in files] + [str(broken)]
    result = subprocess.run(
        [sys.executable, "manage.py", "extract_metadata", *paths], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "1 of 4 file(s) could not be read" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["file"], line["page"], line["pages"]) for line in lines] == [
        (paths[0], 1, 4),
        (paths[0], 2, 4),
        (paths[0], 3, 4),
        (paths[0], 4, 4),
        (paths[1], 1, 1),
        (paths[2], 1, 1),
        (paths[3], None, 0),
    ]
    expected = {(t.file, t.page): t.fields for t in truth}
    for line in lines[:6]:
        assert list(line["fields"]) == list(FIELDS)
        want = expected[(Path(line["file"]).name, line["page"])] or dict.fromkeys(FIELDS)
        assert line["fields"] == want
    assert lines[6]["error"] == "The file is not a readable PDF (it may be damaged)."


@pytest.mark.django_db(transaction=True)
def test_with_a_project_it_applies_the_projects_naming_standard(drawing_set, riverside_member, tmp_path, sheet_pdf):
    path = tmp_path / "A-DRW-101.pdf"
    path.write_bytes(sheet_pdf("A-DRW-101", ["A", "B"]))
    out = io.StringIO()
    call_command("extract_metadata", str(path), "--project", "2305", stdout=out)
    [line] = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["fields"]["number"] == "A-DRW-101"
    assert line["project_fields"] == {
        "discipline": "A",
        "type": "DRW",
        "number": "101",
        "name": "GROUND FLOOR PLAN",
        "revision": "Rev B",
        "date_authored": "2026-03-04T00:00:00Z",
    }
    odd = tmp_path / "X-101.pdf"
    odd.write_bytes(sheet_pdf("X9-101", ["A"]))
    out = io.StringIO()
    call_command("extract_metadata", str(odd), "--project", "2305", stdout=out)
    line = json.loads(out.getvalue())
    assert (
        "discipline" not in line["project_fields"]
        and "does not follow the project's naming standard" in line["project_notes"][0]
    )
    with pytest.raises(CommandError, match="not in the portal's mirror"):
        call_command("extract_metadata", str(path), "--project", "999999", stdout=io.StringIO())
