"""Typed errors from v1 bodies and the v2 envelope, with messages people can read."""

from __future__ import annotations

import json

import pytest
import requests

from portal.procore.errors import (
    AuthenticationError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationFailed,
    friendly_message,
    from_response,
)
from portal.procore.http import BearerToken, ProcoreClient
from procore_sandbox.limits import faults
from procore_sandbox.testing import PRIYA

pytestmark = pytest.mark.django_db(transaction=True)

V2_PROJECT = "/rest/v2.0/companies/8089/projects/2305/document_management/document_uploads"


def test_it_reads_a_v1_not_found(sandbox):
    client = ProcoreClient(BearerToken(sandbox.token(PRIYA)), None, base_url=sandbox.base_url, rate_limit=False)
    with pytest.raises(NotFound) as caught:
        # A company in another region, asked for without the Procore-Company-Id header.
        client.get("/rest/v1.0/projects/3401", params={"company_id": 9100})
    error = caught.value
    assert error.status == 404 and error.message == "Not Found"
    assert error.method == "GET" and error.path.endswith("/rest/v1.0/projects/3401")
    assert friendly_message(error) == "Procore could not find this, or you may not see it."


def test_it_reads_a_v1_invalid_token(sandbox):
    client = ProcoreClient(BearerToken("not-a-token"), None, base_url=sandbox.base_url, rate_limit=False)
    with pytest.raises(AuthenticationError) as caught:
        client.get("/rest/v1.0/me")
    assert caught.value.message == "The access token is invalid"


def test_it_reads_the_v2_envelope_with_reason_code_and_source(sandbox):
    client = ProcoreClient(BearerToken(sandbox.token()), None, base_url=sandbox.base_url, rate_limit=False)
    with pytest.raises(ValidationFailed) as caught:
        client.get(V2_PROJECT.rsplit("/document_management", 1)[0] + "/document_management/fields")
    error = caught.value
    assert error.status == 400
    assert error.code == "BAD_REQUEST"
    assert error.reason_codes == ["MISSING_REQUIRED_PROPERTY"]
    assert error.details[0].source == "Procore-Company-Id"
    assert "Missing Procore-Company-Id header!" in error.message


def test_it_reads_a_v2_server_error(sandbox):
    faults.inject("500", path="document_management")
    client = ProcoreClient(BearerToken(sandbox.token()), 8089, base_url=sandbox.base_url)
    with pytest.raises(ServerError) as caught:
        client.post(V2_PROJECT, json={"uploads": []})
    assert caught.value.code == "INTERNAL_SERVER_ERROR"
    assert caught.value.reason_codes == ["INTERNAL_ERROR"]
    assert not caught.value.permanent


def test_it_reads_a_plain_text_429(sandbox):
    faults.inject("429", retry_after=7)
    client = ProcoreClient(BearerToken(sandbox.token()), None, base_url=sandbox.base_url, max_wait=1)
    with pytest.raises(RateLimited) as caught:
        client.get("/rest/v1.0/me")
    assert caught.value.retry_after == 7
    assert caught.value.message.startswith("You have surpassed the max number of requests")


def response_with(status: int, body: object) -> requests.Response:
    """A response built by hand, for documented shapes the sandbox does not produce."""
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = requests.Request("POST", "https://api.procore.com/rest/v2.0/x?sig=secret").prepare()
    return response


def test_it_keeps_every_detail_of_a_workflow_conflict():
    # procore-api.md §7.9's example, abridged.
    error = from_response(
        response_with(
            422,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Validation errors detected",
                    "details": [
                        {
                            "reason_code": "WORKFLOW_CONFLICT",
                            "message": "Multiple workflows detected in container",
                            "source": "01JDXMPK0MTP0H41D4PYZ62R6R",
                            "document_container_id": "01JDXMPK0WDC0988N6EQQW4GA1",
                        },
                        {
                            "reason_code": "INVALID_INPUT",
                            "message": "Type is required",
                            "source": "01JDXMPK0MTP0H41D4PYZ62R6S",
                        },
                    ],
                }
            },
        )
    )
    assert isinstance(error, ValidationFailed)
    assert error.reason_codes == ["WORKFLOW_CONFLICT", "INVALID_INPUT"]
    assert error.details[0].extra == {"document_container_id": "01JDXMPK0WDC0988N6EQQW4GA1"}
    assert error.message == ("Validation errors detected: Multiple workflows detected in container; Type is required")
    assert error.path == "/rest/v2.0/x"  # never the query string


def test_it_reads_v1_validation_errors_by_field():
    error = from_response(response_with(422, {"errors": {"name": ["can't be blank"], "number": ["is taken"]}}))
    assert isinstance(error, ValidationFailed)
    assert error.message == "name can't be blank; number is taken"
    assert friendly_message(error) == "Procore refused the request: name can't be blank; number is taken"
