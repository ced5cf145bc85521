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
    """Yield each page's items. v2 bodies wrap items in `data`.

    Only one page is held at a time: the next one is fetched when the caller asks for it. The
    `next` URL must be on the API's own host (the client refuses to send the token elsewhere).
    """
    response = client.get(path, params=params)
    seen: set[str] = set()
    while True:
        body = response.json()
        items = body.get("data", []) if isinstance(body, dict) else body
        url = next_link(response)
        del response, body
        yield items
        if not url or not items or url in seen:
            return
        seen.add(url)
        # The next URL carries every query parameter already.
        response = client.get(url)


def iter_items(client: ProcoreClient, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
    for page in iter_pages(client, path, params):
        yield from page
