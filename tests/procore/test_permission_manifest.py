"""Reading Procore's permission manifest defensively: only Admin on the Admin tool makes an
administrator; a missing or unexpected shape makes nobody one."""

from __future__ import annotations

import pytest

from portal.procore.core import administers


@pytest.mark.parametrize(
    "manifest",
    [
        None,
        [],
        {"tools": None},
        {"tools": [{"name": "admin"}]},
        {"tools": [{"name": "admin", "user_access_level": {"name": None}}]},
        {"tools": [{"name": "admin", "user_access_level": {"name": "Standard"}}]},
        {"tools": [{"name": "documents", "user_access_level": {"name": "Admin"}}]},
        {"tools": ["admin"]},
    ],
)
def test_a_manifest_of_an_unexpected_shape_makes_nobody_an_administrator(manifest):
    assert administers(manifest) is False


def test_admin_on_the_admin_tool_makes_an_administrator():
    assert administers({"tools": [{"name": "admin", "user_access_level": {"id": 4, "name": "Admin"}}]})
    assert administers({"tools": [{"name": "admin", "user_access_level": "Admin"}]})
