"""The real-network transport: an endless or huge answer stops at the limit, and the error shows no secret."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from crmflow.errors import CrmApiError
from crmflow.sources.http import ApiClient, HttpxTransport

SECRET = "k3y5ecr3tw3bh00k"


def _endless(request: httpx.Request) -> httpx.Response:
    def chunks() -> Iterator[bytes]:
        yield b'{"result": ['
        while True:  # a wrong address or a hostile server: never ends
            yield b'{"ID": "1"},' * 1000

    return httpx.Response(200, content=chunks())


def test_huge_answer_is_refused_at_the_limit_without_showing_the_webhook() -> None:
    transport = HttpxTransport(client=httpx.Client(transport=httpx.MockTransport(_endless)), max_bytes=100_000)
    base = f"https://portal.bitrix24.ru/rest/1/{SECRET}/"
    client = ApiClient(vendor="bitrix24", base_url=base, transport=transport, secrets=[base, SECRET], sleep=lambda _s: None)
    with pytest.raises(CrmApiError, match="larger than 100,000 bytes") as info:
        client.request_json("POST", "crm.deal.list.json", json_body={"start": 0})
    assert SECRET not in str(info.value) and "crm.deal.list.json" in str(info.value)
    assert client.stats.requests == 1  # not retried


def test_ordinary_answer_passes_through() -> None:
    ok = httpx.MockTransport(lambda r: httpx.Response(200, json={"result": [{"ID": "1"}]}))
    transport = HttpxTransport(client=httpx.Client(transport=ok))
    client = ApiClient(vendor="hubspot", base_url="https://api.example", transport=transport)
    assert client.get_json("/x") == {"result": [{"ID": "1"}]}
