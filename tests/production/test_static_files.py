"""Static files as production collects them: every file's references resolve (a missing one stops
`collectstatic`), and the grid's JavaScript modules import each other by their hashed names."""

from __future__ import annotations

import json
import re


def test_collectstatic_hashes_the_grid_modules_and_their_imports(production, tmp_path):
    collected = tmp_path / "staticfiles"  # not the checkout's
    result = production.manage(
        "collectstatic", "--noinput", "-v0", env={**production.env, "STATIC_ROOT": str(collected)}
    )
    assert result.returncode == 0, result.stderr[-2000:]

    names = json.loads((collected / "staticfiles.json").read_text())["paths"]
    main = (collected / names["portal/grid/main.js"]).read_text()
    imported = set(re.findall(r'from "\./([^"]+)"', main))
    assert imported  # the module does import its neighbours
    assert imported == {names[f"portal/grid/{name.split('.')[0]}.js"].split("/")[-1] for name in imported}
    assert "cells.js" not in imported  # not the unhashed name: that one is cached for a minute only
