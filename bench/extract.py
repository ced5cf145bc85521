"""Title-block reading and thumbnails on the generated drawing set.

Generates the development set (six title-block layouts, single sheets and sets, revision tables in
both orders, decoys, documents that are not drawings, sheets without a title block, a scan) and a
200-sheet set, reads every page as the worker does, and compares with the ground truth:

- per-field accuracy over pages that have a title block (`accuracy`: the share of those pages
  with all four fields right);
- false proposals: pages without a title block for which anything at all was proposed;
- ms per page for the reader (text, rulings and title block), ms per thumbnail (page 1, 320 px);
- the worker's peak memory reading a 10-sheet and the 200-sheet set (a child process each);
- the cost of one sheet as busy as a real plan (15,000 short lines, 3,000 figures);
- the held-out layouts (bench/support/drawings/held_out.py), reported apart.

Runs with no server or database: `.venv/bin/python bench/extract.py`. Timings on a shared
machine vary with the others' load.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support.drawings import FIELDS, PageTruth, big_set, build_set, busy_sheet  # noqa: E402
from bench.support.drawings.held_out import HELD_OUT  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

MEMORY_PROBE = """
import json, resource, sys
sys.path.insert(0, {root!r})
from portal.staging.contents.extract import open_pdf
from portal.staging.contents.pdfpage import read_page
from portal.staging.contents.previews import render_page, render_region
from portal.staging.contents.titleblock import read_title_block
with open({path!r}, "rb") as handle:  # what the worker does: every page read, page 1 pictured
    pdf = open_pdf(handle)
    for index in range(len(pdf)):
        page = pdf[index]
        reading = read_title_block(read_page(page))
        if index == 0:
            render_page(page, 320); render_page(page, 1400)
            if reading.found: render_region(page, reading.focus or reading.box)
        page.close()
    pdf.close()
print(json.dumps({{"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def evaluate(directory: Path, truth: list[PageTruth]) -> dict:
    import pypdfium2 as pdfium

    from portal.staging.contents.pdfpage import read_page
    from portal.staging.contents.previews import render_page
    from portal.staging.contents.titleblock import read_title_block

    right: dict[str, int] = defaultdict(int)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    drawings = all_right = false_positives = 0
    page_ms: list[float] = []
    thumb_ms: list[float] = []
    misses: list[str] = []
    for name in sorted({t.file for t in truth}):
        pdf = pdfium.PdfDocument(str(directory / name))
        try:
            for entry in [t for t in truth if t.file == name]:
                page = pdf[entry.page - 1]
                start = time.perf_counter()
                reading = read_title_block(read_page(page))
                page_ms.append((time.perf_counter() - start) * 1000)
                if entry.page == 1:
                    start = time.perf_counter()
                    render_page(page, 320)
                    thumb_ms.append((time.perf_counter() - start) * 1000)
                page.close()
                if entry.fields is None:
                    if any(reading.fields[f] is not None for f in FIELDS):
                        false_positives += 1
                        misses.append(f"  false proposal: {name} p{entry.page}: {reading.fields}")
                    continue
                drawings += 1
                ok = 0
                for field in FIELDS:
                    if reading.fields[field] == entry.fields[field]:
                        right[field] += 1
                        ok += 1
                    else:
                        misses.append(
                            f"  {name} p{entry.page} {field}: read {reading.fields[field]!r}, truth {entry.fields[field]!r}"
                        )
                all_right += ok == len(FIELDS)
                by_kind[entry.kind][0] += ok == len(FIELDS)
                by_kind[entry.kind][1] += 1
        finally:
            pdf.close()
    return {
        "pages": len(truth),
        "drawings": drawings,
        "accuracy": all_right / max(drawings, 1),
        **{field: right[field] / max(drawings, 1) for field in FIELDS},
        "false_positives": false_positives,
        "no_title_block": len(truth) - drawings,
        "ms_per_page": statistics.mean(page_ms),
        "ms_per_page_p95": sorted(page_ms)[int(0.95 * (len(page_ms) - 1))],
        "thumb_ms": statistics.mean(thumb_ms),
        "thumb_ms_max": max(thumb_ms),
        "by_kind": dict(by_kind),
        "misses": misses,
    }


def peak_memory(path: Path) -> float:
    code = MEMORY_PROBE.format(root=str(ROOT), path=str(path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    return json.loads(result.stdout)["peak_mb"]


def report(title: str, figures: dict) -> None:
    print(f"\n{title}: {figures['pages']} pages, {figures['drawings']} with a title block")
    for kind, (ok, total) in sorted(figures["by_kind"].items()):
        print(f"  {kind:<18} {ok}/{total} sheets read right")
    print(
        "  accuracy {accuracy:.3f}  number {number:.3f}  name {name:.3f}  revision {revision:.3f}  "
        "date_authored {date_authored:.3f}  false proposals {false_positives} of {no_title_block} pages without one".format(
            **figures
        )
    )
    print(
        "  {ms_per_page:.1f} ms/page (p95 {ms_per_page_p95:.1f}), thumbnail {thumb_ms:.1f} ms "
        "(max {thumb_ms_max:.1f})".format(**figures)
    )
    for line in figures["misses"][:25]:
        print(line)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as scratch:
        root = Path(scratch)
        started = time.perf_counter()
        dev = build_set(root / "dev", seed=2026, singles=10, set_size=8, others=4)
        big = big_set(root / "set-200.pdf", sheets=200, seed=7)
        ten = big_set(root / "set-10.pdf", sheets=10, seed=8)
        held = build_set(root / "held", seed=4242, singles=8, set_size=6, others=0, layouts=HELD_OUT)
        print(f"Generated {len(dev) + len(big) + len(ten) + len(held)} pages in {time.perf_counter() - started:.1f} s")

        figures = evaluate(root / "dev", dev)
        big_figures = evaluate(root, big)
        combined = {
            key: (figures[key] * figures["drawings"] + big_figures[key] * big_figures["drawings"])
            / (figures["drawings"] + big_figures["drawings"])
            for key in ("accuracy", *FIELDS)
        }
        pages = figures["pages"] + big_figures["pages"]
        ms_per_page = (
            figures["ms_per_page"] * figures["pages"] + big_figures["ms_per_page"] * big_figures["pages"]
        ) / pages
        report("Development set", figures)
        report("200-sheet set", big_figures)
        held_figures = evaluate(root / "held", held)
        report("Held-out layouts (" + ", ".join(layout.name for layout in HELD_OUT) + ")", held_figures)

        busy = busy_sheet(root / "busy.pdf")
        busy_figures = evaluate(root, [busy])
        print(
            f"\nA busy sheet (15,000 short lines, 3,000 figures): {busy_figures['ms_per_page']:.0f} ms, "
            f"read {'right' if busy_figures['accuracy'] == 1 else 'wrong: ' + '; '.join(busy_figures['misses'])}"
        )

        peak_10 = peak_memory(root / "set-10.pdf")
        peak_200 = peak_memory(root / "set-200.pdf")
        print(f"\nWorker peak memory: {peak_10:.0f} MB reading 10 sheets, {peak_200:.0f} MB reading 200 sheets")
        print(
            "HELD_OUT pages={pages} accuracy={accuracy:.3f} number={number:.3f} name={name:.3f} revision={revision:.3f} "
            "date_authored={date_authored:.3f} false_positives={false_positives}".format(**held_figures)
        )
        print(f"MEMORY peak_mb_10={peak_10:.0f} peak_mb_200={peak_200:.0f} growth_mb={peak_200 - peak_10:.0f}")
        print(
            f"RESULT pages={pages} accuracy={combined['accuracy']:.3f} number={combined['number']:.3f} "
            f"name={combined['name']:.3f} revision={combined['revision']:.3f} "
            f"date_authored={combined['date_authored']:.3f} "
            f"false_positives={figures['false_positives'] + big_figures['false_positives']} "
            f"ms_per_page={ms_per_page:.1f} thumb_ms={max(figures['thumb_ms'], big_figures['thumb_ms']):.1f}"
        )


if __name__ == "__main__":
    main()
