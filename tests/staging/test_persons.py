"""Person fields typed and shown by name: names, e-mail addresses, ids, namesakes, unknown people."""

from __future__ import annotations

import pytest

from portal.mirror.people import People, Person
from portal.staging.csv_io import cell_text
from portal.staging.persons import find_person, person_choices, person_problem
from portal.staging.schema import FieldInfo, Schema, display_value
from portal.staging.validation import parse_input

AUTHOR = FieldInfo("F-author", "authored_by", "Authored By", "reference", "procore_user", True, False, True)
REVIEWERS = FieldInfo("F-reviewers", "custom_field_103", "Reviewers", "reference", "procore_users", True, False, True)
DIRECTORY = (
    Person("5448", "Eli Navarro", "eli.navarro@northwind.example", "Engineer"),
    Person("5462", "Jordan Lee", "jordan.lee@northwind.example", "Project Engineer"),
    Person("5463", "Jordan Lee", "jordan.lee@brooks-structural.example", "Structural Engineer, Brooks"),
    Person("5461", "Marta Quinn", "marta.quinn@acme-architects.example"),
)


def schema(complete: bool = True, people=DIRECTORY) -> Schema:
    return Schema.build([AUTHOR, REVIEWERS], [], [], people=People(people=people, complete=complete, note=""))


@pytest.mark.parametrize(
    ("typed", "user_id"),
    [
        ("Eli Navarro", "5448"),
        ("  eli   navarro ", "5448"),
        ("ELI.NAVARRO@northwind.example", "5448"),
        ("5461", "5461"),
        ("Jordan Lee <jordan.lee@brooks-structural.example>", "5463"),
        ("jordan.lee@northwind.example", "5462"),
        ("Procore user 5461", "5461"),
        ("Jordan Lee (#5462)", "5462"),
    ],
)
def test_it_finds_a_person_by_name_email_or_id(typed, user_id):
    assert find_person(AUTHOR, typed, schema()) == user_id


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "Jordan Lee",
            "Authored By: “Jordan Lee” is 2 people in this project; write the e-mail address "
            "(jordan.lee@northwind.example, jordan.lee@brooks-structural.example)",
        ),
        ("Jane Doe", "Authored By: nobody called “Jane Doe” in this project's directory"),
        ("jane@example.com", "Authored By: nobody called “jane@example.com” in this project's directory"),
        ("9999", "Authored By: Procore user 9999 is not in this project's directory"),
    ],
)
def test_an_ambiguous_or_unknown_person_is_refused_with_a_reason(typed, message):
    with pytest.raises(ValueError) as raised:
        parse_input(AUTHOR, typed, schema())
    assert str(raised.value) == message


def test_a_short_list_still_takes_an_id_and_says_why_a_name_is_unknown():
    short = schema(complete=False, people=DIRECTORY[:1])
    assert parse_input(AUTHOR, "8972757", short) == ["8972757"]
    with pytest.raises(ValueError, match="Procore did not list this project's people"):
        parse_input(AUTHOR, "Marta Quinn", short)
    assert person_problem(AUTHOR, "8972757", short) == ""
    assert (
        person_problem(AUTHOR, "8972757", schema())
        == "Authored By: Procore user 8972757 is not in this project's directory"
    )


def test_a_multi_person_field_takes_several_names():
    assert parse_input(REVIEWERS, "Eli Navarro; marta.quinn@acme-architects.example; Eli Navarro", schema()) == [
        "5448",
        "5461",
    ]
    with pytest.raises(ValueError, match="2 people"):
        parse_input(REVIEWERS, "Eli Navarro; Jordan Lee", schema())


def test_people_are_shown_by_name_and_namesakes_with_their_email():
    known = schema()
    assert display_value(known, AUTHOR.id, "5448") == "Eli Navarro"
    assert display_value(known, AUTHOR.id, "5463") == "Jordan Lee <jordan.lee@brooks-structural.example>"
    assert display_value(known, AUTHOR.id, "777") == "Procore user 777"
    assert cell_text(REVIEWERS, ["5448", "5463"], known, False) == (
        "Eli Navarro; Jordan Lee <jordan.lee@brooks-structural.example>"
    )
    # what is shown reads back as the same people
    for user_id in ("5448", "5462", "5463", "5461"):
        assert find_person(AUTHOR, display_value(known, AUTHOR.id, user_id), known) == user_id


def test_the_picker_offers_everyone_with_what_tells_them_apart():
    choices = person_choices(schema())
    assert [c.value for c in choices] == [
        "Eli Navarro",
        "Jordan Lee <jordan.lee@northwind.example>",
        "Jordan Lee <jordan.lee@brooks-structural.example>",
        "Marta Quinn",
    ]
    assert choices[2].label == "jordan.lee@brooks-structural.example · Structural Engineer, Brooks"
