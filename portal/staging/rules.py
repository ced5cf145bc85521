"""The upload requirement that applies to a document — the one place the portal decides it.

procore-api.md §7.3: conditional rules (non-empty `rule_qualifiers`) apply when the document's
metadata matches ALL their qualifiers (a value of the field is one of the qualifier's acceptable
values); among matching rules the one with the most qualifiers wins; a tie goes to the first in
Procore's order ([gap], as the sandbox does); with no match, the default rule (no qualifiers)
applies. Required fields = `fields_required_by_project` ∪ `additional_required_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .schema import RuleInfo, Schema


def applicable_rule(metadata: Mapping[str, list[str]], schema: Schema) -> RuleInfo | None:
    best: RuleInfo | None = None
    for rule in schema.rules:
        if rule.is_default or not rule.qualifiers:
            continue
        if all(set(metadata.get(field_id) or ()) & acceptable for field_id, acceptable in rule.qualifiers):
            if best is None or len(rule.qualifiers) > len(best.qualifiers):
                best = rule
    if best is not None:
        return best
    return next((r for r in schema.rules if r.is_default or not r.qualifiers), None)


def rule_title(rule: RuleInfo, schema: Schema) -> str:
    """How a document controller names the rule: "the rule for Drawing documents with Discipline
    Structural", or "the project's default rule"."""
    if rule.is_default or not rule.qualifiers:
        return "the project's default rule"
    parts = []
    for index, (field_id, acceptable) in enumerate(rule.qualifiers):
        labels = sorted(schema.values_by_id[v].label for v in acceptable if v in schema.values_by_id)
        field = schema.fields_by_id.get(field_id)
        shown = " or ".join(labels) or "(no value)"
        if index == 0:
            parts.append(f"the rule for {shown} documents")
        else:
            parts.append(f"{field.label if field else 'a field'} {shown}")
    return parts[0] + (" with " + " and ".join(parts[1:]) if len(parts) > 1 else "")


def required_fields(rule: RuleInfo | None) -> tuple[str, ...]:
    return rule.required if rule is not None else ()
