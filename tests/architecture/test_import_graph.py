"""The product never imports its Procore sandbox: it reaches it over HTTP only."""

from __future__ import annotations

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_it_finds_no_import_of_the_sandbox_in_the_portal():
    offenders = {
        str(path.relative_to(PORTAL.parent)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "procore_sandbox")
        for path in PORTAL.rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}

