"""Installs come from the lock: every dependency pyproject.toml names is pinned with hashes in
requirements/ (`make lock`), both lock files agree, and `make install` and the image install from them.
A dependency added to pyproject.toml without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def pins(name: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of a lock file."""
    found: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [Requirement(r) for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in project["dependencies"]], extras


def unmet(requirements: list[Requirement], locked: dict[str, tuple[str, int]]) -> list[str]:
    missing = []
    for requirement in requirements:
        pin = locked.get(canonicalize_name(requirement.name))
        if pin is None or not requirement.specifier.contains(pin[0], prereleases=True):
            missing.append(f"{requirement} (locked: {pin[0] if pin else 'nothing'})")
    return missing


def test_it_pins_every_runtime_dependency_in_the_image_lock():
    runtime, _ = declared()
    assert unmet(runtime, pins("base.txt")) == [], "run `make lock` and commit requirements/"


def test_it_pins_every_dependency_and_tool_in_the_development_lock():
    runtime, extras = declared()
    assert unmet(runtime + extras, pins("dev.txt")) == [], "run `make lock` and commit requirements/"


def test_it_locks_the_same_version_of_a_package_in_both_files():
    base, dev = pins("base.txt"), pins("dev.txt")
    assert {
        name: (base[name][0], dev.get(name, ("absent", 0))[0])
        for name in base
        if base[name][0] != dev.get(name, ("", 0))[0]
    } == {}


def test_it_has_a_hash_for_every_pin():
    for name in ("base.txt", "dev.txt"):
        assert [package for package, (_, hashes) in pins(name).items() if hashes == 0] == [], name


def test_it_installs_from_the_lock_with_hashes_checked():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "LOCK := requirements/dev.txt" in makefile
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements/base.txt" in dockerfile
