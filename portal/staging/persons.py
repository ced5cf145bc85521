"""Person fields (Authored By, Placeholder Assignee, custom person fields): typed in and shown by name.

A person field stores Procore user ids as strings (procore-api.md §7.5, §7.11). People type a name,
an e-mail address or an id; `find_person` turns that into the id, or says why it cannot: nobody of
that name, or several (namesakes are told apart by e-mail). `schema.person_text` shows a stored id
back as a name, so a form or a CSV round trip reads and writes the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.mirror.people import Person

from .schema import FieldInfo, Schema, person_text

# "Jordan Lee <jordan.lee@brooks.example>" as exported for namesakes; "Jordan Lee (#5463)" without e-mail.
WITH_EMAIL = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>$")
WITH_ID = re.compile(r"^(?P<name>.*?)\s*\(#(?P<id>\d+)\)$")
UNKNOWN_ID = re.compile(r"^Procore user (?P<id>\d+)$", re.IGNORECASE)


def find_person(field: FieldInfo, text: str, schema: Schema) -> str:
    """The Procore user id (a string) a typed name, e-mail or id stands for; ValueError otherwise."""
    text = text.strip()
    people = schema.people
    for pattern in (WITH_ID, UNKNOWN_ID):
        if match := pattern.match(text):
            text = match.group("id")
    if text.isdigit():
        if text in schema.people_by_id or not people.complete:
            return text
        raise ValueError(f"{field.label}: Procore user {text} is not in this project's directory")
    email = ""
    if match := WITH_EMAIL.match(text):
        email = match.group("email")
    elif "@" in text:
        email = text
    if email:
        found = [p for p in people.people if p.email and p.email.casefold() == email.casefold()]
    else:
        wanted = " ".join(text.split()).casefold()
        found = [p for p in people.people if p.name.casefold() == wanted]
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        raise ValueError(
            f"{field.label}: “{text}” is {len(found)} people in this project; write the e-mail address "
            f"({', '.join(p.email or '#' + p.id for p in found)})"
        )
    return _unknown(field, text, schema)


def _unknown(field: FieldInfo, text: str, schema: Schema) -> str:
    where = "in this project's directory" if schema.people.complete else "among the people the portal knows here"
    hint = " (Procore did not list this project's people: you can also write a Procore user id)"
    raise ValueError(f"{field.label}: nobody called “{text}” {where}" + ("" if schema.people.complete else hint))


def person_problem(field: FieldInfo, raw: str, schema: Schema) -> str:
    """Why a stored value cannot go to Procore, or ""."""
    if not raw.isdigit():
        return f"{field.label} must be a Procore user"
    if schema.people.complete and raw not in schema.people_by_id:
        return f"{field.label}: Procore user {raw} is not in this project's directory"
    return ""


@dataclass(frozen=True)
class PersonChoice:
    """One option of a person picker: `value` is what the input receives, `label` what it shows."""

    value: str
    label: str


def person_choices(schema: Schema) -> list[PersonChoice]:
    """Every person a field may name, as a datalist offers them (searchable by name, e-mail, title)."""
    return [PersonChoice(person_text(schema, p.id), _describe(p)) for p in schema.people.people]


def _describe(person: Person) -> str:
    return " · ".join(part for part in (person.email, person.detail) if part) or f"Procore user {person.id}"
