"""Templates carry no inline scripts and no event-handler attributes: behaviour lives in static files
and htmx attributes, so a page has one renderer (the server) and a Content-Security-Policy without
'unsafe-inline' would allow every page."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def offenders(pattern: re.Pattern[str]) -> dict[str, list[str]]:
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        matches = pattern.findall(path.read_text())
        if matches:
            found[str(path.relative_to(TEMPLATES))] = matches
    return found


def test_it_finds_no_inline_script_in_any_template():
    assert offenders(INLINE_SCRIPT) == {}


def test_it_finds_no_event_handler_attribute_in_any_template():
    assert offenders(HANDLER) == {}


def test_it_would_catch_both():
    assert INLINE_SCRIPT.findall('<script>alert(1)</script><script src="/a.js" defer></script>') == ["<script>"]
    assert HANDLER.findall('<select name="sort" onchange="this.form.submit()">') != []
    assert HANDLER.findall('<select name="sort" data-submit-on-change>') == []
