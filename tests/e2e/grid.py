"""Driving the batch grid in a browser test: cells by row and column title, the save state."""

from __future__ import annotations

from typing import Any


class Grid:
    def __init__(self, page: Any) -> None:
        self.page = page

    def fields(self) -> dict[str, str]:
        """Column title → the Tabulator field of its cells."""
        pairs = self.page.evaluate(
            "Array.from(document.querySelectorAll('[data-grid-host] .tabulator-col'))"
            ".map((c) => [c.getAttribute('tabulator-field'), c.querySelector('.tabulator-col-title').textContent])"
        )
        return {title: field for field, title in pairs}

    def cell(self, row: int, title: str) -> Any:
        field = self.fields()[title]
        return (
            self.page.locator("[data-grid-host] .tabulator-row")
            .nth(row)
            .locator(f".tabulator-cell[tabulator-field='{field}']")
        )

    def text(self, row: int, title: str) -> str:
        return (
            self.cell(row, title)
            .locator(".cell-text")
            .evaluate(
                "(e) => Array.from(e.childNodes).filter((n) => !(n.classList && n.classList.contains('proposed')))"
                ".map((n) => n.textContent).join('')"
            )
            .strip()
        )

    def column(self, title: str, rows: int) -> list[str]:
        return [self.text(r, title) for r in range(rows)]

    def files(self) -> list[str]:
        return self.page.locator(
            "[data-grid-host] .tabulator-row .tabulator-cell[tabulator-field='file']"
        ).all_inner_texts()

    def show_column(self, title: str) -> None:
        """Show a column with the Columns menu (and close the menu again)."""
        chooser = self.page.locator("[data-column-chooser]")
        chooser.locator("summary").click()
        chooser.get_by_role("checkbox", name=title, exact=True).check()
        chooser.locator("summary").click()

    def saved(self) -> None:
        """Wait until every change was answered by the server."""
        self.page.wait_for_function(
            "document.querySelector('[data-save-state]').dataset.state === 'saved'"
            " && !document.querySelector('[data-grid-host] .is-pending')"
        )

    def paste(self, text: str) -> None:
        self.page.evaluate("(text) => navigator.clipboard.writeText(text)", text)
        self.page.keyboard.press("Control+v")

    def clipboard(self) -> str:
        return self.page.evaluate("() => navigator.clipboard.readText()")

    def panel(self) -> str:
        return self.page.inner_text("[data-grid-panel-body]")

    def wait_for_panel(self, text: str) -> str:
        """The side panel once it shows `text` (it follows the selection on the next frame)."""
        self.page.wait_for_function(
            "(text) => document.querySelector('[data-grid-panel-body]').innerText.includes(text)", arg=text
        )
        return self.panel()
