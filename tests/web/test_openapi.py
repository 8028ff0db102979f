"""schemathesis against the web app's OpenAPI document: no 5xx, and responses match their schemas.

The app is signed in as the admin (every operation is allowed), with an audited project ``demo``
and tasks in the in-memory task service, so that generated requests also reach real data.
The number of examples per operation is bounded (``MAX_EXAMPLES``); the server-sent event stream
is left out (it is a long-lived response, tested in the browser tests).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from crmflow.demo.bitrix import BitrixDemo
from tests.web.helpers import make_site, signed_in

MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def session_headers(tmp_path_factory: pytest.TempPathFactory, bitrix: BitrixDemo) -> dict[str, object]:
    site = make_site(tmp_path_factory.mktemp("openapi"))
    c, token = signed_in(site, "admin")
    assert c.post("/api/projects", json={"name": "demo"}).status_code == 201
    for path in (bitrix.csv_path, bitrix.rules_path):
        assert c.post("/api/projects/demo/upload", files={"file": (path.name, path.read_bytes())}).status_code == 200
    assert c.post("/api/projects/demo/audit").status_code == 200
    cookie = f"crmflow_session={c.cookies.get('crmflow_session')}; crmflow_csrf={c.cookies.get('crmflow_csrf')}"
    return {"app": site.app, "headers": {"cookie": cookie, "x-csrf-token": token}}


@pytest.fixture(scope="module")
def api_schema(session_headers: dict[str, object]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", session_headers["app"])
    return schema.exclude(path="/api/events")


def test_no_server_error_and_responses_match_the_schema(
    api_schema: schemathesis.BaseSchema, session_headers: dict[str, object]
) -> None:
    headers = dict(session_headers["headers"])  # type: ignore[call-overload]
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            if case.path_parameters and str(case.path_parameters.get("name", "x"))[:1] in "abcdef":
                case.path_parameters["name"] = "demo"  # a share of the requests on the real project
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_the_document_names_every_api_route(session_headers: dict[str, object]) -> None:
    from fastapi.testclient import TestClient

    doc = TestClient(session_headers["app"]).get("/api/openapi.json").json()  # type: ignore[arg-type]
    paths = set(doc["paths"])
    assert {"/api/tasks", "/api/tasks/{task_id}/claim", "/api/tasks/{task_id}/complete", "/api/projects/{name}/map"} <= paths
    assert all(p.startswith("/api/") for p in paths)
