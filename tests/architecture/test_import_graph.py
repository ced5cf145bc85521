"""The shape of the imports: the product never imports its Procore sandbox (it reaches it over HTTP
only), and the portal's apps form a line — each imports only the apps after it:

    webhooks → staging → mirror → accounts → procore → throttle → tasking

Lazy imports inside functions count too: hiding a wrong-way import in a function body only hides
the cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
LINE = ["webhooks", "staging", "mirror", "accounts", "procore", "throttle", "tasking"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions included), with
    relative imports resolved against `module` (the importing file's dotted name)."""
    names: set[str] = set()
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            if app_of(prefix) is None:
                # `from portal import staging` imports the app itself.
                names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "portal" and parts[1] in LINE else None


def wrong_way_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The imports in `source` (of dotted name `module`) that go against the line of apps."""
    importer = app_of(module)
    if importer is None:
        return []
    allowed = set(LINE[LINE.index(importer) :])
    return sorted(
        name
        for name in imported_modules(source, module, is_package=is_package)
        if (target := app_of(name)) is not None and target not in allowed
    )


def portal_files() -> list[Path]:
    return sorted(PORTAL.rglob("*.py"))


def test_it_finds_no_import_of_the_sandbox_in_the_portal():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path.read_text(), module_name(path)) if m.split(".")[0] == "procore_sandbox"
        )
        for path in portal_files()
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_it_finds_every_app_importing_only_the_apps_after_it():
    offenders = {
        str(path.relative_to(ROOT)): wrong_way_imports(
            path.read_text(), module_name(path), is_package=path.name == "__init__.py"
        )
        for path in portal_files()
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_it_catches_a_wrong_way_import_hidden_in_a_function():
    source = "def get_batch(pk):\n    from portal.staging.models import Batch\n    return Batch.objects.get(pk=pk)\n"
    assert wrong_way_imports(source, "portal.accounts.access") == ["portal.staging.models"]


def test_it_catches_wrong_way_relative_and_package_imports():
    assert wrong_way_imports("from ..mirror.models import Project\n", "portal.accounts.dashboard") == [
        "portal.mirror.models"
    ]
    assert wrong_way_imports("from portal import webhooks\n", "portal.throttle.models") == ["portal.webhooks"]
    assert wrong_way_imports("import portal.staging.models\n", "portal.procore.http") == ["portal.staging.models"]


def test_it_lets_an_app_import_itself_and_the_apps_after_it():
    source = "from .models import Batch\nfrom portal.mirror.models import Project\nfrom portal.throttle import models\n"
    assert wrong_way_imports(source, "portal.staging.views") == []
