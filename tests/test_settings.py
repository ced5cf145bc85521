"""Settings: one module (portal/settings.py) defines every setting the code reads, with its default;
every environment variable it reads is listed in the README's settings table and in
docker/.env.example; a value that does not parse stops the start with an error naming it."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import settings as settings_module

ROOT = Path(__file__).resolve().parents[1]
CODE = [ROOT / "portal", ROOT / "procore_sandbox", ROOT / "bench"]
READERS = {"env", "envbool", "envint", "envfloat", "envlist"}


def code_files() -> list[Path]:
    return [
        path
        for folder in CODE
        for path in folder.rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
    ]


def settings_read(path: Path) -> set[str]:
    """Names read as `settings.NAME` or `getattr(settings, "NAME", ...)` in a file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
            if node.attr.isupper():
                names.add(node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            names.add(node.args[1].value)
    return names


def variables_read() -> set[str]:
    """Environment variables portal/settings.py reads through its env helpers."""
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in READERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_it_defines_every_setting_the_code_reads():
    undefined = {
        str(path.relative_to(ROOT)): sorted(name for name in settings_read(path) if not hasattr(settings_module, name))
        for path in code_files()
    }
    assert {path: names for path, names in undefined.items() if names} == {}


def test_it_keeps_defaults_in_settings_only():
    """`getattr(settings, NAME, default)` would be a second default: the code reads `settings.NAME`."""
    second_defaults = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in code_files()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "settings"
    ]
    assert second_defaults == []


def test_it_lists_every_variable_in_the_readme_settings_table():
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if line.startswith("|"))
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)", table))
    assert sorted(variables_read() - listed) == []


def test_it_lists_every_variable_in_the_env_example():
    example = (ROOT / "docker" / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert sorted(variables_read() - listed) == []


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " 1 "])
def test_it_reads_the_usual_spellings_of_on(monkeypatch, value):
    monkeypatch.setenv("PORTAL_TEST_FLAG", value)
    assert settings_module.envbool("PORTAL_TEST_FLAG", False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "OFF"])
def test_it_reads_the_usual_spellings_of_off(monkeypatch, value):
    monkeypatch.setenv("PORTAL_TEST_FLAG", value)
    assert settings_module.envbool("PORTAL_TEST_FLAG", True) is False


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "y e s"])
def test_it_refuses_a_boolean_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv("PORTAL_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_FLAG"):
        settings_module.envbool("PORTAL_TEST_FLAG", False)


def test_it_refuses_numbers_it_cannot_read(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_NUMBER", "two")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_NUMBER must be a whole number"):
        settings_module.envint("PORTAL_TEST_NUMBER", 2)
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_NUMBER must be a number"):
        settings_module.envfloat("PORTAL_TEST_NUMBER", 2.0)


def test_it_uses_the_default_for_an_empty_value(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_FLAG", "")
    assert settings_module.envbool("PORTAL_TEST_FLAG", True) is True
    assert settings_module.envint("PORTAL_TEST_FLAG", 7) == 7


def test_it_will_not_start_with_a_misspelt_sandbox_switch():
    """The real start: PROCORE_SANDBOX=ture is an error naming the variable, not "off"."""
    env = {**os.environ, "PROCORE_SANDBOX": "ture", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("PYTEST_CURRENT_TEST", None)
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured: PROCORE_SANDBOX must be one of 1/0, true/false, yes/no, on/off, not 'ture'" in (
        started.stderr
    )
