"""A Riverside-like Document Management schema built in memory (no database), for the naming,
rules, validation and CSV tests."""

from __future__ import annotations

from portal.staging.schema import FieldInfo, RuleInfo, Schema, ValueInfo

# name, label, type, variant, readonly
FIELDS = [
    ("name", "Name", "string", "", False),
    ("type", "Type", "lov_entry", "single_select", False),
    ("status", "Status", "lov_entry", "single_select", False),
    ("revision", "Revision", "string", "", False),
    ("number", "Number", "string", "", False),
    ("discipline", "Discipline", "lov_entry", "single_select", False),
    ("date_authored", "Date Authored", "timestamp", "", False),
    ("authored_by", "Authored By", "reference", "procore_user", False),
    ("originator", "Originator", "reference", "procore_vendor", False),
    ("location", "Location", "reference", "procore_location", False),
    ("project", "Project", "reference", "procore_project", True),
    ("sheets", "Sheet Count", "numeric", "", False),
    ("packages", "Bid Packages", "lov_entries", "multi_select", False),
]
# field, code, label, active
VALUES = [
    ("type", "DRW", "Drawing", True),
    ("type", "SPC", "Specification", True),
    ("type", "RPT", "Report", True),
    ("type", "SKT", "Sketch", False),
    ("status", "OPN", "Open", True),
    ("status", "CLS", "Closed", True),
    ("status", "VOID", "Void", False),
    ("discipline", "A", "Architectural", True),
    ("discipline", "S", "Structural", True),
    ("discipline", "FP", "Fire Protection", True),
    ("discipline", "X", "Legacy", False),
    ("originator", "ACME", "Acme Architects", True),
    ("location", "L1", "Level 1", True),
    ("project", "NW-101", "Riverside", True),
    ("packages", "BP1", "Bid Package 1", True),
    ("packages", "BP2", "Bid Package 2", True),
    ("packages", "BP0", "Early Works", False),
]
BASELINE = ("name", "type", "status", "revision")


def fid(name: str) -> str:
    return f"F-{name}"


def vid(field: str, code: str) -> str:
    return f"V-{field}-{code}"


def rule(
    position: int, qualifiers: list[tuple[str, list[str]]], additional: list[str], *, duplicates: bool = True
) -> RuleInfo:
    required = tuple(dict.fromkeys([*(fid(n) for n in BASELINE), *(fid(n) for n in additional)]))
    return RuleInfo(
        id=f"R{position}",
        position=position,
        qualifiers=tuple((fid(f), frozenset(vid(f, c) for c in codes)) for f, codes in qualifiers),
        required=required,
        allow_duplicate_revisions=duplicates,
        is_default=not qualifiers,
        required_by_project=tuple(fid(n) for n in BASELINE),
    )


RIVERSIDE_RULES = [
    rule(0, [], []),
    rule(1, [("type", ["DRW"])], ["discipline", "date_authored"]),
    rule(2, [("type", ["SPC"])], ["number", "originator"]),
    rule(3, [("type", ["DRW"]), ("discipline", ["S"])], ["discipline", "date_authored", "location"]),
]


def revision_row(codes: dict[str, str], revision: str, mime: str = "application/pdf", file_name: str = "") -> dict:
    fields: dict[str, list[dict]] = {}
    for name, text in codes.items():
        if name in {"type", "status", "discipline"}:
            fields[name] = [{"id": vid(name, text), "code": text, "label": text}]
        else:
            fields[name] = [{"label": text}]
    fields["revision"] = [{"label": revision}]
    fields["format"] = [{"id": "fmt", "code": mime, "label": "PDF"}]
    if file_name:
        fields["original_filename"] = [{"label": file_name}]
    return {"fields": fields, "revision": revision, "file_format": "PDF"}


def make_schema(
    naming: tuple[str, ...] = ("discipline", "type", "number"),
    rules: list[RuleInfo] | None = None,
    revisions: tuple[dict, ...] = (),
) -> Schema:
    fields = [
        FieldInfo(id=fid(n), name=n, label=label, type=t, variant=variant, active=True, readonly=ro, visible=True)
        for n, label, t, variant, ro in FIELDS
    ]
    values = [
        ValueInfo(id=vid(f, c), field_id=fid(f), code=c, label=label, active=active) for f, c, label, active in VALUES
    ]
    return Schema.build(
        fields, values, RIVERSIDE_RULES if rules is None else rules, [fid(n) for n in naming], list(revisions)
    )
