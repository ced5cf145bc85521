"""A path no endpoint serves answers a JSON 404, as Procore's API answers JSON everywhere (§3.1)."""

from __future__ import annotations

import pytest
import requests

from procore_sandbox.testing import ELI

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_an_unknown_v1_path_with_the_v1_json_body(sandbox):
    answer = sandbox.get("/rest/v1.0/no_such_tool", sandbox.token(ELI))
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"errors": "Not Found"}


def test_it_answers_an_unknown_v2_path_with_the_v2_envelope(sandbox):
    answer = sandbox.get("/rest/v2.0/companies/8089/projects/2305/no_such_tool", sandbox.token(ELI))
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": "Not Found",
            "details": [{"reason_code": "NOT_FOUND", "message": "Not Found"}],
        }
    }


def test_it_answers_json_for_a_known_path_with_a_malformed_id(sandbox):
    answer = sandbox.get("/rest/v1.0/projects/not-a-number?company_id=8089", sandbox.token(ELI))
    assert answer.status_code == 404
    assert answer.json() == {"errors": "Not Found"}


def test_it_answers_json_without_a_token_and_outside_rest(sandbox):
    for path in ["/rest/v1.0/nothing/here", "/oauth/nothing", "/nothing"]:
        answer = requests.post(sandbox.url(path), timeout=10)
        assert answer.status_code == 404, path
        assert answer.json() == {"errors": "Not Found"}, path


def test_it_counts_an_unknown_rest_path_against_the_rate_limit_like_any_other(sandbox):
    answer = sandbox.get("/rest/v1.0/no_such_tool", sandbox.token(ELI))
    assert "X-Rate-Limit-Remaining" in answer.headers


def test_the_refused_control_area_answers_the_same_json_404(sandbox, settings):
    settings.SANDBOX_CONTROL_TOKEN = "s3cret"
    answer = requests.get(sandbox.url("/_control/faults"), timeout=10)
    assert answer.status_code == 404
    assert answer.json() == requests.get(sandbox.url("/_control/nothing"), timeout=10).json() == {"errors": "Not Found"}
