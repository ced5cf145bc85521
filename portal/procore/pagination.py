"""One pagination helper for every Procore list (procore-api.md §3.3).

Follows `Link: <…>; rel="next"` for v1 and v2 alike, treats an empty or missing `Link` as the
last page (PDM lists send an empty header when everything fits), and yields items one page at
a time so a long listing never sits in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from .http import ProcoreClient


def next_link(response: requests.Response) -> str | None:
    """The `rel="next"` URL of a response, if any (requests parses the Link header)."""
    if not response.headers.get("Link", "").strip():
        return None
    link = response.links.get("next")
    return link["url"] if link else None


def iter_pages(client: ProcoreClient, path: str, params: dict[str, Any] | None = None) -> Iterator[list[Any]]:
    """Yield each page's items. v2 bodies wrap items in `data`."""
    response = client.get(path, params=params)
    while True:
        body = response.json()
        items = body.get("data", []) if isinstance(body, dict) else body
        yield items
        url = next_link(response)
        if not url or not items:
            return
        # The next URL carries every query parameter already.
        response = client.get(url)


def iter_items(client: ProcoreClient, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
    for page in iter_pages(client, path, params):
        yield from page
