"""The bytes behind a file version's `url` (procore-api.md §3.7).

The URL needs the caller's bearer token and the right to see the file's project or company; it
answers 200 with the bytes directly (Procore usually redirects to S3; a client that follows
redirects sees the same bytes either way). Seeded versions have no stored bytes: their content
is generated on the fly, deterministic, exactly `size` bytes long.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from procore_sandbox.core.views import company_for
from procore_sandbox.documents.serializers import project_for
from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import AccessToken, DocumentFileVersion
from procore_sandbox.storage import sandbox_storage


def seeded_bytes(version: DocumentFileVersion) -> bytes:
    header = f"%PDF-1.4\n% Procore sandbox seed: {version.filename} version {version.number}\n".encode()
    if version.size <= len(header):
        return header[: version.size]
    filler = b"0123456789abcdef" * (-(-(version.size - len(header)) // 16))
    return header + filler[: version.size - len(header)]


@api_view(["GET"])
def download(request: HttpRequest, token: AccessToken, version_id: int) -> HttpResponseBase:
    version = DocumentFileVersion.objects.select_related("file").filter(id=version_id).first()
    if version is None:
        raise ApiError(404, "Not Found")
    if version.file.project_id:
        project_for(request, token, version.file.project_id)
    else:
        company_for(request, token, version.file.company_id)
    disposition = f'attachment; filename="{version.filename}"'
    if version.storage_name:
        response: HttpResponseBase = FileResponse(
            sandbox_storage().open(version.storage_name, "rb"), content_type=version.content_type
        )
    else:
        response = HttpResponse(seeded_bytes(version), content_type=version.content_type)
    response["Content-Disposition"] = disposition
    return response
