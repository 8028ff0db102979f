"""Fixtures of the web tests: the demo Bitrix24 export and a served site with users and tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.demo.bitrix import BitrixDemo, generate_bitrix_demo
from tests.web.helpers import Site, make_site


@pytest.fixture(scope="session")
def bitrix(tmp_path_factory: pytest.TempPathFactory) -> BitrixDemo:
    return generate_bitrix_demo(tmp_path_factory.mktemp("bitrix"), n_deals=300)


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path / "web")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory, bitrix: BitrixDemo) -> Site:
    """A site with project ``demo``: the Bitrix24 export and its rules uploaded, imported and audited."""
    from tests.web.helpers import signed_in

    s = make_site(tmp_path_factory.mktemp("web"))
    c, _ = signed_in(s, "alice")
    assert c.post("/api/projects", json={"name": "demo"}).status_code == 201
    for path in (bitrix.csv_path, bitrix.rules_path):
        r = c.post("/api/projects/demo/upload", files={"file": (path.name, path.read_bytes())})
        assert r.status_code == 200, r.text
    assert c.post("/api/projects/demo/audit").status_code == 200
    return s
