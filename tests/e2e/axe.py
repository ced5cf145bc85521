"""Looking at a page as people do: screenshots at a laptop's and a phone's size, and axe-core's
accessibility rules (axe-core 4.14.1, vendored for the tests from npm with its licence)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SIZES = ((1440, 900), (390, 844))


def look(page, folder: Path, name: str) -> list[str]:
    """Screenshot the page at each size into `folder` and return the critical and serious
    axe-core violations found at each."""
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        problems += [
            f"{width}px {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in {"critical", "serious"}
        ]
    return problems
