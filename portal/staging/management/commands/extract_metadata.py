from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.mirror.models import Project
from portal.staging.contents.extract import UnreadablePdf, read_pages
from portal.staging.contents.proposals import title_block_proposal
from portal.staging.contents.titleblock import FIELDS
from portal.staging.schema import Schema, load_schema


class Command(BaseCommand):
    help = "Print what each PDF page's title block says, one JSON object per line per page."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="PDF files to read")
        parser.add_argument(
            "--project", type=int, help="also apply this project's naming standard (its id in the portal's mirror)"
        )

    def handle(self, *args: object, files: list[str], project: int | None = None, **options: object) -> None:
        schema = self._schema(project) if project is not None else None
        failed = 0
        for path in files:
            try:
                with open(path, "rb") as handle:
                    for page in read_pages(handle):
                        line = {"file": path, **page.as_json()}
                        if schema is not None:
                            line.update(_in_project_terms(page.reading.fields, schema))
                        self._emit(line)
            except (OSError, UnreadablePdf) as exc:
                failed += 1
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                self._emit({"file": path, "page": None, "pages": 0, "fields": dict.fromkeys(FIELDS), "error": message})
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be read.", returncode=1)

    def _emit(self, line: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(line, ensure_ascii=False))

    def _schema(self, project_id: int) -> Schema:
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            raise CommandError(
                f"Project {project_id} is not in the portal's mirror; open it in the portal (or sync it) first."
            )
        return load_schema(project)


def _in_project_terms(fields: dict[str, str | None], schema: Schema) -> dict[str, Any]:
    """The project's fields the title block fills, by field name, values as people write them
    (codes for list values): {"project_fields": {"discipline": "A", "type": "DRW", ...}}."""
    proposal = title_block_proposal(fields, schema)
    named: dict[str, Any] = {}
    for field_id, proposed in proposal.proposed.items():
        info = schema.fields_by_id[field_id]
        values = []
        for value in proposed["values"]:
            known = schema.values_by_id.get(value)
            values.append(known.code or known.label if known else value)  # literals as stored (ISO dates)
        named[info.name] = values[0] if len(values) == 1 else values
    return {"project_fields": named, "project_notes": proposal.notes}
