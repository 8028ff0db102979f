"""Issue 17: an error of the web app and one of the CRM API client are worded in the user's language
(the web app's error handler words them from their key and params; nothing is a finished English sentence)."""

from __future__ import annotations

import pytest

from crmflow.errors import CrmApiError
from crmflow.sources.http import ApiClient, HttpResponse, MemoryTransport
from tests.web.helpers import Site, signed_in


def test_a_web_error_reads_in_the_users_language(site: Site) -> None:
    site.app.state.workspace.create("crm")
    c, _ = signed_in(site, "alice")
    bad = {"rates": {"  ": 5}}  # a role without a name: the table refuses it
    ru = c.put("/api/projects/crm/costs", json=bad, headers={"accept-language": "ru"})
    en = c.put("/api/projects/crm/costs", json=bad, headers={"accept-language": "en"})
    assert ru.status_code == en.status_code == 400
    assert en.json()["detail"] == "cost per hour of role '  ': 5.0 must be ≥ 0 (and the role named)"
    assert ru.json()["detail"] == "стоимость часа роли '  ': 5.0 должна быть ≥ 0 (и роль должна быть названа)"


def test_a_crm_api_refusal_reads_in_russian_with_the_secret_redacted() -> None:
    secret = "tok-3f9a"
    answer = HttpResponse(401, {}, b'{"message": "bad token tok-3f9a"}')
    client = ApiClient(
        vendor="hubspot", base_url="https://x.example", transport=MemoryTransport(lambda r: answer), secrets=[secret]
    )
    with pytest.raises(CrmApiError) as caught:
        client.get_json("/crm/v3/objects/deals")
    exc = caught.value
    en, ru = str(exc), exc.in_language("ru")
    assert en == (
        "hubspot: GET /crm/v3/objects/deals refused with HTTP 401 (bad token ***); "
        "check CRMFLOW_HUBSPOT_TOKEN and the private app's scopes (crm.objects.deals.read, …)"
    )
    assert ru == (
        "hubspot: GET /crm/v3/objects/deals отклонён с HTTP 401 (bad token ***); "
        "проверьте CRMFLOW_HUBSPOT_TOKEN и права приложения (crm.objects.deals.read, …)"
    )
    assert exc.key == "refused" and exc.params["status"] == 401 and secret not in ru
