"""Revision order: backwards, repeated and skipped revisions in letter, number and P01-style
sequences — the rules on their own, then a batch checked against revisions issued through the
live sandbox and read back into the mirror."""

from __future__ import annotations

import pytest

from portal.staging import services
from portal.staging.issue_control import checks
from portal.staging.issue_control.revision_order import (
    BACKWARDS,
    LETTERS,
    NUMBERS,
    PREFIXED,
    REPEAT,
    SKIP,
    UNEXPECTED,
    ProjectSequences,
    check_order,
    infer_sequence,
    normalize,
)
from tests.staging.submitting import drawing

LETTER_HISTORY = ["Rev A", "Rev B", "Rev C", "Rev D", "Rev A", "Rev B", "Rev 0"]
P_HISTORY = ["P01", "P02", "P03", "C01", "C02", "P01", "P02", "C01"]


def kind_of(staged: str, history: list[str], sequence) -> str | None:
    found = check_order(staged, history, sequence, container="A-DRW-101")
    return found.kind if found else None


def test_it_infers_the_kind_of_sequence_and_says_so():
    letters = infer_sequence(LETTER_HISTORY)
    assert letters.kind == LETTERS
    assert letters.describe() == "Revisions in this project are letters (A, B, C…): inferred from 6 of 7 revisions."
    assert infer_sequence(["0", "1", "02", "3"]).kind == NUMBERS
    prefixed = infer_sequence(P_HISTORY)
    assert (prefixed.kind, prefixed.prefixes) == (PREFIXED, ("P", "C"))
    assert "(P01, P02…, then C01, C02…)" in prefixed.describe()
    assert infer_sequence([]).describe().startswith("This project has no revisions")
    # I and O are left out only when the history shows it (later letters used, never those).
    assert infer_sequence(["A", "H", "J", "K"]).skipped_letters == ("I",)
    assert infer_sequence(["A", "B"]).skipped_letters == ()


def test_it_infers_the_sequence_per_document_type():
    rows = [("drw", v) for v in ("A", "B", "C", "A")] + [("spc", v) for v in ("0", "1", "2")]
    sequences = ProjectSequences.infer(rows, {"drw": "Drawing", "spc": "Specification"})
    assert (sequences.for_type("drw").kind, sequences.for_type("spc").kind) == (LETTERS, NUMBERS)
    assert sequences.for_type("unknown") is sequences.overall
    assert sequences.describe() == (
        "Revisions in this project are letters (A, B, C…) for Drawing (4 of 4) and numbers (0, 1, 2…) "
        "for Specification (3 of 3): inferred from them."
    )
    # A new specification numbered 0 is as expected; a new drawing numbered 0 is not.
    assert kind_of("0", [], sequences.for_type("spc")) is None
    assert kind_of("0", [], sequences.for_type("drw")) == UNEXPECTED
    # Too little history says nothing about a new document.
    assert kind_of("A", [], infer_sequence(["0", "1"])) is None


def test_it_reads_rev_and_revision_as_the_same_revision():
    assert normalize("Rev b") == normalize("Revision B") == normalize("B") == "B"
    assert normalize("rev.P01") == "P01"


def test_it_flags_backwards_repeated_and_skipped_letters():
    sequence = infer_sequence(LETTER_HISTORY)
    assert kind_of("C", ["A", "B", "D"], sequence) == BACKWARDS
    assert kind_of("Rev B", ["Rev A", "Rev B"], sequence) == REPEAT
    assert kind_of("C", ["A"], sequence) == SKIP
    assert kind_of("B", ["A"], sequence) is None
    assert kind_of("AA", ["Z"], sequence) is None  # after Z comes AA
    found = check_order("E", ["A", "B"], sequence, container="A-DRW-101")
    assert found.message == "Revision E follows B in A-DRW-101, skipping C and D"
    assert found.subject == "E after B"
    found = check_order("C", ["A", "D"], sequence, container="A-DRW-101")
    assert found.message == ("Revision C comes before D, the current revision of A-DRW-101: the order goes backwards")


def test_it_does_not_call_a_left_out_letter_a_skip():
    sequence = infer_sequence(["A", "G", "H", "J"])
    assert kind_of("J", ["H"], sequence) is None
    assert kind_of("K", ["H"], sequence) == SKIP


def test_it_flags_backwards_and_skipped_p01_style_revisions():
    sequence = infer_sequence(P_HISTORY)
    assert kind_of("P03", ["P01", "P02"], sequence) is None
    assert kind_of("P05", ["P01", "P02"], sequence) == SKIP
    assert kind_of("P02", ["P01", "P03"], sequence) == BACKWARDS
    assert kind_of("C01", ["P01", "P02"], sequence) is None  # construction starts again at 01
    assert kind_of("C03", ["P01", "P02"], sequence) == SKIP
    assert kind_of("P04", ["P01", "P02", "C01"], sequence) == BACKWARDS  # preliminary after construction
    assert kind_of("C02", ["P01", "P02"], sequence) == SKIP
    found = check_order("P04", ["P01", "C01"], sequence, container="S-201")
    assert found.message == (
        "Revision P04 is a preliminary revision but S-201 is already at C01 (a construction revision): "
        "the order goes backwards"
    )
    assert check_order("C04", ["P01", "C01"], sequence, container="S-201").message == (
        "Revision C04 follows C01 in S-201, skipping C02 and C03"
    )


def test_it_flags_numbers_and_a_revision_written_another_way():
    numbers = infer_sequence(["0", "1", "2"])
    assert kind_of("1", ["0", "2"], numbers) == BACKWARDS
    assert kind_of("04", ["01", "02"], numbers) == SKIP
    assert check_order("04", ["01", "02"], numbers, container="X").message.endswith("skipping 03")
    letters = infer_sequence(LETTER_HISTORY)
    assert kind_of("1", ["A"], letters) == UNEXPECTED
    # A new container is checked against the project's own kind.
    assert kind_of("P01", [], letters) == UNEXPECTED
    assert kind_of("A", [], letters) is None


@pytest.mark.django_db(transaction=True)
def test_it_checks_a_batch_against_revisions_issued_before(eli_at_riverside, stage, issue):
    user, project = eli_at_riverside
    history = services.create_batch(project, user, name="Earlier issues")
    for number, revision in [
        (620, "P01"),
        (620, "P02"),
        (621, "P01"),
        (621, "C01"),
        (622, "A"),
        (622, "B"),
        (622, "D"),
    ]:
        stage(history, *drawing(number, revision=revision), f"%PDF-1.4 {number} {revision}".encode())
    issue(history)

    batch = services.create_batch(project, user, name="This issue")
    skipped_p = stage(batch, *drawing(620, revision="P05"), b"%PDF-1.4 620 P05")
    backwards_p = stage(batch, *drawing(621, revision="P02"), b"%PDF-1.4 621 P02")
    backwards_letter = stage(batch, *drawing(622, revision="C"), b"%PDF-1.4 622 C")
    skipped_letter = stage(batch, *drawing(101, revision="D"), b"%PDF-1.4 101 D")  # seeded: Rev A, Rev B
    repeated = stage(batch, *drawing(101, revision="B", discipline="S"), b"%PDF-1.4 S101 B")
    fine = stage(batch, *drawing(620, revision="C01"), b"%PDF-1.4 620 C01")
    after_fine = stage(batch, *drawing(620, revision="C03"), b"%PDF-1.4 620 C03")  # after C01 in this batch

    report = checks.check_batch(batch)
    found = {f.document.pk: (f.kind, f.message) for f in report.findings}
    assert found[skipped_p.pk] == (SKIP, "Revision P05 follows P02 in A-DRW-620, skipping P03 and P04")
    assert found[backwards_p.pk][0] == BACKWARDS and "already at C01" in found[backwards_p.pk][1]
    assert found[backwards_letter.pk] == (
        BACKWARDS,
        "Revision C comes before D, the current revision of A-DRW-622: the order goes backwards",
    )
    assert found[skipped_letter.pk] == (SKIP, "Revision D follows B in A-DRW-101, skipping C")
    assert repeated.pk not in found  # S-DRW-101 is a new container: B is its first revision
    assert fine.pk not in found
    assert found[after_fine.pk] == (SKIP, "Revision C03 follows C01 in A-DRW-620, skipping C02")
    assert report.sequence.total >= 7 and "inferred from" in report.sequence.describe()


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_repeat_to_validation_where_duplicates_are_forbidden(synced_project, media, monkeypatch, stage):
    from procore_sandbox.testing import DANA
    from tests.staging.submitting import fast_pipeline

    fast_pipeline(monkeypatch)
    user, project = synced_project(DANA, 2307)  # Harbor Bridge: S.201 has Rev A and Rev B
    batch = services.create_batch(project, user, name="Deck")
    values = {"name": "Deck Framing Plan", "type": "DRW", "status": "OPN", "discipline": "S", "number": "201"}
    repeat = stage(batch, "S.201_Deck Framing Plan_Rev B.pdf", {**values, "revision": "Rev B"}, b"%PDF deck B")
    skip = stage(batch, "S.201_Deck Framing Plan_Rev D.pdf", {**values, "revision": "Rev D"}, b"%PDF deck D")
    assert any("does not allow duplicate revisions" in p["message"] for p in repeat.problems)
    found = {f.document.pk: f.kind for f in checks.check_batch(batch).findings}
    assert found == {skip.pk: SKIP}
