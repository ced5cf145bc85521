"""A generated set of construction drawing sheets with their ground truth, for the title-block
reader's tests and its benchmark (bench/extract.py).

Every sheet is a real vector PDF drawn with reportlab: a border, a drawing area full of the text a
title-block reader must ignore (grid bubbles, dimensions, room names, detail titles, general notes,
stamps), and one of several title-block layouts that differ in place (bottom-right box, right-hand
strip, bottom strip), in wording ("DRAWING No.", "Dwg. No.", "SHEET NUMBER", "Rev", "Revision",
"Issue Date" ...), in how a label meets its value (above, beside, inline "LABEL: value", a label
column) and in their revision tables (oldest first or newest first). Beside them: multi-sheet sets,
documents that are not drawings (a specification page, a transmittal, a drawing register, a
calculation sheet) and sheets without a title block, whose truth is "nothing".

`build_set(directory, ...)` writes the PDFs and returns the truth; `truth.json` is written beside
them. The layouts in `layouts.py` are the development set; `held_out.py` holds layouts written after
the reader was finished, to measure it on drawings it was not developed against.
"""

from __future__ import annotations

from .build import FIELDS, PageTruth, big_set, build_set, busy_sheet, write_sheet_pdf

__all__ = ["FIELDS", "PageTruth", "big_set", "build_set", "busy_sheet", "write_sheet_pdf"]
