"""Pictures of a document: a thumbnail of its first page, a larger preview, and its title block
large enough to read. PDFs are rendered with PDFium (pypdfium2), images scaled with Pillow; the
bytes are PNG (line drawings stay sharp and small)."""

from __future__ import annotations

import io
from typing import IO

import pypdfium2 as pdfium
from PIL import Image

THUMBNAIL_WIDTH = 320
PREVIEW_WIDTH = 1400
# The title block is shown this wide at most, and never smaller than 1.5× its printed size.
TITLE_BLOCK_WIDTH = 1200
TITLE_BLOCK_MIN_SCALE = 1.5
TITLE_BLOCK_MAX_SCALE = 4.0
# …and never more pixels than this (a right-hand strip is as tall as the sheet).
TITLE_BLOCK_MAX_PIXELS = 2_500_000
# Pillow refuses images over this many pixels (a "decompression bomb"); so do we.
MAX_IMAGE_PIXELS = 120_000_000


class NoPreview(Exception):
    """The file cannot be pictured; the message says why."""


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    if image.mode not in {"RGB", "L", "RGBA", "P"}:
        image = image.convert("RGB")
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def render_page(page: pdfium.PdfPage, width: int) -> bytes:
    """The whole page, `width` pixels wide (the page's /Rotate applied)."""
    page_width = page.get_width() or 1.0
    scale = max(width / page_width, 0.01)
    bitmap = page.render(scale=scale, may_draw_forms=True)
    try:
        return _png(bitmap.to_pil())
    finally:
        bitmap.close()


def render_region(page: pdfium.PdfPage, box: tuple[float, float, float, float], *, margin: float = 14.0) -> bytes:
    """A region of the page given in display points (origin top-left), e.g. its title block."""
    width, height = page.get_width(), page.get_height()
    x0, top, x1, bottom = box
    x0, top = max(0.0, x0 - margin), max(0.0, top - margin)
    x1, bottom = min(width, x1 + margin), min(height, bottom + margin)
    scale = min(max(TITLE_BLOCK_WIDTH / max(x1 - x0, 1.0), TITLE_BLOCK_MIN_SCALE), TITLE_BLOCK_MAX_SCALE)
    scale = min(scale, (TITLE_BLOCK_MAX_PIXELS / max((x1 - x0) * (bottom - top), 1.0)) ** 0.5)
    # PDFium crops after rotation, in points cut from each side: left, bottom, right, top.
    bitmap = page.render(scale=scale, crop=(x0, height - bottom, width - x1, top), may_draw_forms=True)
    try:
        return _png(bitmap.to_pil())
    finally:
        bitmap.close()


def image_previews(source: IO[bytes]) -> tuple[bytes, bytes]:
    """Thumbnail and preview of a picture file (JPEG, PNG, TIFF, GIF, BMP, WebP)."""
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(source) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise NoPreview("The image is too large to preview.")
            image.draft("RGB", (PREVIEW_WIDTH, PREVIEW_WIDTH))  # JPEGs decode at a reduced size
            image.load()
            picture = image.convert("RGB") if image.mode not in {"RGB", "L"} else image.copy()
    except (Image.DecompressionBombError, Image.UnidentifiedImageError, OSError) as exc:
        raise NoPreview("The image could not be read.") from exc
    preview = picture.copy()
    preview.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 4))
    thumbnail = picture
    thumbnail.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4))
    return _png(thumbnail), _png(preview)
