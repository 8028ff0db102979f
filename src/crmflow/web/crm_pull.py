"""Import from a CRM with the credentials of the environment: pulled pages → the upload's import flow.

:func:`pull_into_project` runs :func:`crmflow.sources.pull.pull` (the code behind ``crmflow pull``:
each vendor's paging, rate limits, retries, resumable state, incremental watermark) for the vendor's
event resources into the project's ``uploads/`` folder, then imports every upload again
(:meth:`crmflow.web.projects.Workspace.reimport`): the same adapters, mapping, quarantine and audit as an
uploaded file. The pull state lives beside the uploads (``pulls/<vendor>.<resource>.pullstate``), so a
second import asks only for records changed since the first (the watermark), and an interrupted one
continues where it stopped.

Credentials come only from the ``CRMFLOW_*`` settings (:class:`crmflow.settings.Settings`): nothing
secret is stored in the project, the app's database or a page — :func:`connections` says which
vendors are configured and the *names* of their variables, never their values; the HTTP client
redacts the secrets from every error.

>>> [c.vendor for c in connections(Settings(amocrm_base_url="https://x.amocrm.ru", amocrm_token="t")) if c.configured]
['amocrm']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmflow.errors import WebError
from crmflow.i18n import error
from crmflow.settings import Settings, get_settings
from crmflow.sources.http import ApiClient
from crmflow.web.error_messages import ERRORS
from crmflow.web.projects import Workspace

#: The resources pulled per vendor, in order: dictionaries first, then the events the adapters read.
RESOURCES: dict[str, tuple[str, ...]] = {
    "bitrix24": ("crm.stagehistory.list",),
    "amocrm": ("events",),
    "hubspot": ("pipelines", "owners", "deals"),
    "salesforce": ("OpportunityHistory",),
}
#: The settings each vendor needs (their ``CRMFLOW_*`` names are what the page shows).
_NEEDS: dict[str, tuple[str, ...]] = {
    "bitrix24": ("bitrix24_webhook_url",),
    "amocrm": ("amocrm_base_url", "amocrm_token"),
    "hubspot": ("hubspot_token",),
    "salesforce": ("salesforce_instance_url", "salesforce_token"),
}


@dataclass(frozen=True)
class CrmConnection:
    """Whether a vendor's credentials are set in the environment (names only, never values)."""

    vendor: str
    configured: bool
    variables: tuple[str, ...]
    resources: tuple[str, ...]


def connections(settings: Settings | None = None) -> list[CrmConnection]:
    """Every vendor, whether its ``CRMFLOW_*`` variables are set, and what an import pulls."""
    s = settings or get_settings()
    return [
        CrmConnection(
            vendor,
            all(getattr(s, f) for f in fields),
            tuple(f"CRMFLOW_{f.upper()}" for f in fields),
            RESOURCES[vendor],
        )
        for vendor, fields in _NEEDS.items()
    ]


def pull_into_project(
    workspace: Workspace,
    name: str,
    vendor: str,
    *,
    settings: Settings | None = None,
    client: ApiClient | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Pull the vendor's resources into the project's uploads and import them like an upload.

    Returns ``{"pulls": [PullResult as dict, …], "import": <the import result>}``.

    Raises
    ------
    WebError
        An unknown vendor.
    CrmApiError
        Missing credentials (the message names the variable), or the API refused or kept failing
        (nothing is imported then; the pull state is kept, so the next import continues).
    """
    from crmflow.sources.pull import make_client, pull

    if vendor not in RESOURCES:
        raise error(WebError, ERRORS, "crm_pull.unknown_crm", vendor=vendor, value=", ".join(RESOURCES))
    workspace.project(name)
    s = (settings or get_settings()).model_copy(update={"lang": lang})
    cl = client or make_client(vendor, settings=s)  # missing credentials fail before anything is written
    folder = workspace.folder(name)
    uploads, states = folder / "uploads", folder / "pulls"
    states.mkdir(parents=True, exist_ok=True)
    results = []
    with workspace.lock(name):
        for resource in RESOURCES[vendor]:
            res = pull(
                vendor,
                resource,
                out_dir=uploads,
                state_path=states / f"{vendor}.{resource}.pullstate",
                client=cl,
                settings=s,
            )
            results.append({k: v for k, v in res.to_dict().items() if k != "state_path"})
        imported = workspace.reimport(name, lang=lang)
    return {"pulls": results, "import": imported}


__all__ = ["RESOURCES", "CrmConnection", "connections", "pull_into_project"]
