"""Choosing the upload requirement that applies (procore-api.md §7.3), table-driven."""

from __future__ import annotations

import pytest

from portal.staging.rules import applicable_rule, rule_title
from tests.staging.schemas import RIVERSIDE_RULES, fid, make_schema, rule, vid


def metadata(**codes: str | list[str]) -> dict[str, list[str]]:
    out = {}
    for name, code in codes.items():
        out[fid(name)] = [vid(name, c) for c in ([code] if isinstance(code, str) else code)]
    return out


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "R0"),  # nothing set: the default rule
        ({"type": "RPT"}, "R0"),  # no conditional rule for reports
        ({"type": "DRW"}, "R1"),  # one qualifier matches
        ({"type": "SPC", "discipline": "S"}, "R2"),  # the Specification rule; discipline is no qualifier there
        ({"type": "DRW", "discipline": "A"}, "R1"),  # Structural Drawing needs discipline S
        ({"type": "DRW", "discipline": "S"}, "R3"),  # two matching qualifiers beat one
        ({"discipline": "S"}, "R0"),  # ALL qualifiers must match
        ({"type": "SKT"}, "R0"),  # an inactive value still only matches its own rules
    ],
)
def test_it_picks_the_most_specific_matching_rule_else_the_default(given, expected):
    assert applicable_rule(metadata(**given), make_schema()).id == expected


def test_it_breaks_ties_by_procore_order():
    rules = [
        rule(0, [], []),
        rule(1, [("type", ["DRW"])], ["discipline"]),
        rule(2, [("discipline", ["S"])], ["location"]),
        rule(3, [("type", ["DRW"]), ("status", ["OPN"])], []),
        rule(4, [("type", ["DRW"]), ("discipline", ["S"])], []),
    ]
    schema = make_schema(rules=rules)
    # DRW + S matches R1, R2 (one qualifier) and R4 (two): the most qualifiers wins.
    assert applicable_rule(metadata(type="DRW", discipline="S"), schema).id == "R4"
    # DRW + S + OPN matches R3 and R4, both with two: the first in order wins.
    assert applicable_rule(metadata(type="DRW", discipline="S", status="OPN"), schema).id == "R3"
    # Reordered, the other one wins: order, not ids, decides.
    swapped = make_schema(
        rules=[
            *rules[:3],
            rule(3, [("type", ["DRW"]), ("discipline", ["S"])], []),
            rule(4, [("type", ["DRW"]), ("status", ["OPN"])], []),
        ]
    )
    assert applicable_rule(metadata(type="DRW", discipline="S", status="OPN"), swapped).qualifiers[1][0] == fid(
        "discipline"
    )
    # Equal single qualifiers: R1 comes before R2.
    assert applicable_rule(metadata(type="DRW", discipline="S"), make_schema(rules=rules[:3])).id == "R1"


def test_it_matches_any_of_several_acceptable_values_and_multi_value_fields():
    rules = [rule(0, [], []), rule(1, [("type", ["DRW", "SPC"])], []), rule(2, [("packages", ["BP2"])], [])]
    schema = make_schema(rules=rules)
    assert applicable_rule(metadata(type="SPC"), schema).id == "R1"
    assert applicable_rule(metadata(packages=["BP1", "BP2"]), schema).id == "R2"
    assert applicable_rule(metadata(packages=["BP1"]), schema).id == "R0"


def test_it_has_no_rule_when_the_project_has_none():
    assert applicable_rule(metadata(type="DRW"), make_schema(rules=[])) is None
    # Conditional rules only and none matches: still nothing (Procore always lists a default).
    assert applicable_rule({}, make_schema(rules=[rule(1, [("type", ["DRW"])], [])])) is None


def test_it_requires_the_union_of_project_and_rule_fields_once():
    chosen = applicable_rule(metadata(type="DRW", discipline="S"), make_schema())
    assert chosen.required == tuple(
        fid(n) for n in ["name", "type", "status", "revision", "discipline", "date_authored", "location"]
    )


def test_it_names_rules_as_a_document_controller_would():
    schema = make_schema()
    assert rule_title(RIVERSIDE_RULES[0], schema) == "the project's default rule"
    assert rule_title(RIVERSIDE_RULES[1], schema) == "the rule for Drawing documents"
    assert rule_title(RIVERSIDE_RULES[3], schema) == "the rule for Drawing documents with Discipline Structural"
