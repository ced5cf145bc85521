"""Read every page of a PDF, one page at a time: memory stays flat however many sheets a set has
(each page is closed before the next is loaded, and the file is read through PDFium's own
buffered access rather than into memory)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import pypdfium2 as pdfium

from .pdfpage import read_page
from .titleblock import FIELDS, Reading, read_title_block


class UnreadablePdf(Exception):
    """The file is not a PDF PDFium can open (damaged, or protected by a password)."""


@dataclass
class PageReading:
    page: int  # 1-based
    pages: int
    reading: Reading

    def as_json(self) -> dict[str, object]:
        reading = self.reading
        return {
            "page": self.page,
            "pages": self.pages,
            "fields": {name: reading.fields.get(name) for name in FIELDS},
            "scanned": reading.scanned,
            "title_block": [round(v, 1) for v in reading.box] if reading.box else None,
            "notes": list(reading.notes),
        }


def open_pdf(source: IO[bytes] | bytes | str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise UnreadablePdf("The PDF is protected by a password, so its pages cannot be read.") from exc
        raise UnreadablePdf("The file is not a readable PDF (it may be damaged).") from exc


def read_pages(source: IO[bytes] | bytes | str, *, first: int = 1, last: int | None = None) -> Iterator[PageReading]:
    """Each page's title block, in order; `first`/`last` (1-based, inclusive) limit the pages."""
    pdf = open_pdf(source)
    try:
        count = len(pdf)
        stop = count if last is None else min(last, count)
        for number in range(max(first, 1), stop + 1):
            page = pdf[number - 1]
            try:
                reading = read_title_block(read_page(page))
            finally:
                page.close()
            yield PageReading(number, count, reading)
    finally:
        pdf.close()


def page_count(source: IO[bytes] | bytes | str) -> int:
    pdf = open_pdf(source)
    try:
        return len(pdf)
    finally:
        pdf.close()
