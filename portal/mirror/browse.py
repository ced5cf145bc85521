"""What the project pages show, read from the mirror with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.functional import cached_property

from portal.procore.pdm import USER_VARIANTS

from .models import (
    Company,
    File,
    Folder,
    NamingStandard,
    PdmField,
    PdmValue,
    Project,
    ProjectPerson,
    Revision,
    UploadRule,
)

FILE_SORTS = {
    "name": "name",
    "-name": "-name",
    "updated": "procore_updated_at",
    "-updated": "-procore_updated_at",
    "size": "size",
    "-size": "-size",
}
PAGE_SIZE = 50
SEARCH_PAGES_AHEAD = 10  # a search counts its matches only this many pages past the one shown


class SearchPaginator(Paginator):
    """Pages of a search that counts its matches only as far as the pages near the one shown: a
    broad term ("pdf") in a 10,000-file project does not count every file on every page. The
    pager then reads "Page 1 of 11+"; the next pages count further as they are reached."""

    def __init__(self, object_list: QuerySet, per_page: int, number: int | str) -> None:
        super().__init__(object_list, per_page)
        self.matching = object_list
        wanted = int(number) if str(number).isdigit() else 1
        self.limit = (max(1, wanted) + SEARCH_PAGES_AHEAD) * per_page

    @cached_property
    def counted(self) -> int:
        """Matches counted, at most one past the limit (which says there are more)."""
        return self.matching.order_by()[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.limit)

    @property
    def more(self) -> bool:
        """There are matches past the ones counted."""
        return self.counted > self.limit


@dataclass
class FolderView:
    current: Folder | None
    breadcrumbs: list[Folder]
    subfolders: list[Folder]
    files: Page
    search: str
    sort: str


def _folder_and_parents(folder_id: int) -> RawSQL:
    """The ids of a folder and of the folders above it (at most 100 levels), as a subquery."""
    table = connection.ops.quote_name(Folder._meta.db_table)
    return RawSQL(
        f"WITH RECURSIVE line(id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM {table} WHERE id = %s "
        f"UNION ALL SELECT f.id, f.parent_id, line.depth + 1 FROM {table} f JOIN line ON f.id = line.parent_id "
        "WHERE line.depth < 100) SELECT id FROM line",
        (folder_id,),
    )


def folder_view(
    project: Project | None,
    folder_id: int | None,
    search: str,
    sort: str,
    page: int | str,
    *,
    company: Company | None = None,
) -> FolderView:
    """A project's Documents tool, or with `project` None a company's own. Reads what the page
    shows: the current folder and its parents, its subfolders and one page of files (a project's
    hundreds of folders are not all read to draw one of them)."""
    scope = {"project": project} if project is not None else {"company": company, "project": None}
    columns = ("id", "parent_id", "name", "name_with_path")
    in_scope = Folder.objects.filter(**scope).only(*columns)
    # The folder and its parents in one query (a recursive one: folders nest a few deep).
    line = {f.pk: f for f in in_scope.filter(pk__in=_folder_and_parents(folder_id))} if folder_id else {}
    current = line.get(folder_id) if folder_id else None

    breadcrumbs: list[Folder] = []
    walker = current
    while walker is not None and len(breadcrumbs) < 100:
        breadcrumbs.insert(0, walker)
        walker = line.get(walker.parent_id) if walker.parent_id is not None else None

    files: QuerySet[File] = File.objects.filter(**scope)
    subfolders: list[Folder] = []
    if search:
        # Search covers the whole project, like Procore's own search box.
        files = files.filter(Q(name__icontains=search) | Q(name_with_path__icontains=search))
    elif current is not None:
        files = files.filter(folder_id=current.id)
        subfolders = list(in_scope.filter(parent_id=current.id).order_by(Lower("name"), "id"))
    else:
        # Top level: whatever hangs under Procore's root folder, which the index does not list.
        known = Folder.objects.filter(**scope).values("id")
        files = files.exclude(folder_id__in=known)
        subfolders = list(in_scope.exclude(parent_id__in=known).order_by(Lower("name"), "id"))
    sort = sort if sort in FILE_SORTS else "name"
    files = files.order_by(FILE_SORTS[sort], "id").only(
        "id", "name", "name_with_path", "size", "file_type", "latest_version_number", "procore_updated_at"
    )
    pages = SearchPaginator(files, PAGE_SIZE, page) if search else Paginator(files, PAGE_SIZE)
    return FolderView(current, breadcrumbs, subfolders, pages.get_page(page), search, sort)


FIELD_TYPES = {
    "string": "Text",
    "rich_text": "Formatted text",
    "numeric": "Number",
    "timestamp": "Date",
    "lov_entry": "Choose one",
    "lov_entries": "Choose several",
    "reference": "Choose from Procore",
}


@dataclass
class RuleView:
    rule: UploadRule
    conditions: list[str]
    required: list[PdmField]


def setup_view(project: Project) -> dict[str, Any]:
    fields = list(PdmField.objects.filter(project=project).prefetch_related("values"))
    by_id = {f.procore_id: f for f in fields}
    values = {v.procore_id: v for f in fields for v in f.values.all()}
    rules = []
    for rule in UploadRule.objects.filter(project=project).select_related("naming_standard"):
        conditions = []
        for qualifier in rule.qualifiers:
            field = by_id.get(qualifier["field_id"])
            labels = [values[v].label if v in values else v for v in qualifier["value_ids"]]
            conditions.append(f"{field.label if field else 'a field'} is {' or '.join(labels)}")
        rules.append(RuleView(rule, conditions, [by_id[i] for i in rule.required_field_ids if i in by_id]))
    rules.sort(key=lambda r: (r.rule.is_default, r.rule.position))
    standards = [
        (standard, [by_id[i] for i in standard.field_ids if i in by_id])
        for standard in NamingStandard.objects.filter(project=project)
    ]
    return {
        "rules": rules,
        "standards": standards,
        "fields": [(f, field_kind(f), required_by(f, rules)) for f in fields if f.visible],
        "people_count": ProjectPerson.objects.filter(project=project, in_directory=True).count(),
        "person_variants": sorted(USER_VARIANTS),
    }


def field_kind(field: PdmField) -> str:
    if field.type == "reference" and field.variant in USER_VARIANTS:
        return "People of the project" if field.variant == "procore_users" else "A person of the project"
    return FIELD_TYPES.get(field.type, field.type)


def required_by(field: PdmField, rules: list[RuleView]) -> str:
    """Which documents need the field, in words: every document, those some rules apply to, or none."""
    titles = [
        "the default rule" if r.rule.is_default else "when " + " and ".join(r.conditions)
        for r in rules
        if field in r.required
    ]
    if not titles:
        return ""
    if len(titles) == len(rules):
        return "Every document"
    return "Only " + "; ".join(titles)


def revision_view(
    project: Project, *, search: str, type_id: str, status_id: str, container: str, page: int | str
) -> dict[str, Any]:
    revisions = Revision.objects.filter(project=project)
    if container:
        revisions = revisions.filter(container_id=container).order_by("-version")
    else:
        if search:
            revisions = revisions.filter(Q(name__icontains=search) | Q(number__icontains=search))
        if type_id:
            revisions = revisions.filter(type_value_id=type_id)
        if status_id:
            revisions = revisions.filter(status_value_id=status_id)
        revisions = revisions.order_by("name", "-version")
    # `fields` is read for the page's rows only: it names each revision's discipline.
    choices = {
        name: list(PdmValue.objects.filter(field__project=project, field__name=name).order_by("label"))
        for name in ("type", "status")
    }
    return {
        "revisions": Paginator(revisions, PAGE_SIZE).get_page(page),
        "type_choices": choices["type"],
        "status_choices": choices["status"],
        "container": container,
    }
