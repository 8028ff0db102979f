"""The To-Be modeler behind ``/p/NAME/modeler``: save, check, edit crmflow properties, compile, pack, deploy.

A project's To-Be lives as BPMN in ``tobe/model.bpmn`` of the project folder (the first one is the
compiled ``incoming_lead`` example, so there is something to edit). bpmn-js edits the diagram; the
server does everything else through the library:

* :func:`~crmflow.web.modeler_checks.check_model` — read the XML (no external entities), lint (with
  the soundness check of every process) and the To-Be checks; each problem names the element ids
  the page marks with overlays (a To-Be check's problem too, when its YAML path goes into a node);
* :func:`~crmflow.web.modeler_props.node_properties` / :func:`~crmflow.web.modeler_props.set_node_properties`
  — the RACI, SLAs and rules of a node's ``<crmflow:node>`` extension, what the properties panel edits;
* :meth:`ToBeModels.compile` — the definition compiled again (:func:`crmflow.design.compile.compile_tobe`)
  and the pack regenerated (:func:`crmflow.deliverables.pack.build_pack`) and zipped for download;
* :meth:`ToBeModels.deploy` — the compiled model handed to a :class:`Deployer`. Until the engine is
  there :class:`RecordingDeployer` keeps the deployments (and the page shows them); an engine adapter
  implements the one method.

>>> check_model(b"<not-bpmn").ok
False
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from crmflow.base.xml import safe_xml_parser
from crmflow.errors import CrmflowError, ToBeError, WebNotFoundError
from crmflow.i18n import error
from crmflow.web.error_messages import ERRORS
from crmflow.web.modeler_checks import ModelCheck, ModelProblem, check_model
from crmflow.web.modeler_props import RACI_KEYS, node_properties, set_node_properties
from crmflow.web.projects import Workspace

MODEL_FILE = "model.bpmn"
#: The To-Be a new project starts from.
EXAMPLE = "incoming_lead.yaml"


def normalize_extensions(xml: bytes) -> bytes:
    """Put back the namespace of the encoding's marker attributes after a trip through bpmn-js.

    bpmn-js keeps unknown extension elements as generic elements and writes an attribute prefixed
    like its element without the prefix (``<crmflow:R crmflow:t="list">`` comes back as
    ``<crmflow:R t="list">``). On ``crmflow`` elements an unprefixed ``t`` or ``key`` is therefore
    the marker of :mod:`crmflow.design.extensions` again; nothing else is changed.

    >>> from crmflow.design.extensions import decode_xml
    >>> ns = 'xmlns:crmflow="https://crmflow.dev/schema/bpmn/1"'
    >>> out = normalize_extensions(f'<crmflow:R {ns} t="list"><crmflow:item t="text">a</crmflow:item></crmflow:R>'.encode())
    >>> decode_xml(out.decode())
    ('R', ['a'])
    """
    from crmflow.design.extensions import CRMFLOW_NS

    if CRMFLOW_NS.encode() not in xml:
        return xml
    root = etree.fromstring(xml, safe_xml_parser())
    changed = False
    for el in root.iter(f"{{{CRMFLOW_NS}}}*"):
        for local in ("t", "key"):
            value = el.attrib.get(local)
            if value is not None and f"{{{CRMFLOW_NS}}}{local}" not in el.attrib:
                del el.attrib[local]
                el.set(f"{{{CRMFLOW_NS}}}{local}", value)
                changed = True
    if not changed:
        return xml
    decl = xml.lstrip().startswith(b"<?xml")
    return bytes(etree.tostring(root, xml_declaration=decl, encoding="UTF-8"))


def example_model(lang: str = "en") -> Any:
    """The compiled, laid-out example To-Be (a :class:`crmflow.bpmn.model.Definitions`)."""
    from crmflow.design.compile import compile_tobe
    from crmflow.design.loader import load_tobe

    return compile_tobe(load_tobe(str(files("crmflow.design") / "examples" / EXAMPLE), lang=lang), lang=lang).definitions


@dataclass(frozen=True)
class Deployment:
    """One deployment of a compiled To-Be."""

    id: str
    project: str
    processes: tuple[str, ...]
    sha256: str
    deployed_by: str
    deployed_at: str


class Deployer(Protocol):
    """Where a compiled To-Be goes live: the engine (an adapter later) or :class:`RecordingDeployer`."""

    def deploy(self, project: str, bpmn: bytes, *, user: str) -> Deployment:
        """Deploy the BPMN; return the deployment."""
        ...


class RecordingDeployer:
    """Records deployments in ``deployments.json`` of the project's ``tobe/`` folder (no engine yet)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()

    def _file(self, project: str) -> Path:
        return self.workspace.folder(project) / "tobe" / "deployments.json"

    def deployments(self, project: str) -> list[Deployment]:
        """The project's deployments, newest first."""
        path = self._file(project)
        if not path.is_file():
            return []
        return [Deployment(**{**d, "processes": tuple(d["processes"])}) for d in json.loads(path.read_text(encoding="utf-8"))]

    def deploy(self, project: str, bpmn: bytes, *, user: str) -> Deployment:
        from crmflow.bpmn.reader import read_bpmn

        defs = read_bpmn(bpmn)
        with self._lock:
            done = self.deployments(project)
            dep = Deployment(
                id=f"{project}:{len(done) + 1}",
                project=project,
                processes=tuple(p.id for p in defs.processes if p.nodes),
                sha256=hashlib.sha256(bpmn).hexdigest(),
                deployed_by=user,
                deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._file(project).write_text(json.dumps([asdict(d) for d in [dep, *done]], ensure_ascii=False), encoding="utf-8")
        return dep


def _replace(path: Path, data: bytes) -> None:
    """Write a file whole: a reader never sees it half-written (pages read the model while it is saved)."""
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class ToBeModels:
    """The To-Be models of the workspace's projects (one BPMN per project)."""

    def __init__(self, workspace: Workspace, deployer: Deployer | None = None) -> None:
        self.workspace = workspace
        self.deployer: Deployer = deployer or RecordingDeployer(workspace)

    def folder(self, project: str) -> Path:
        self.workspace.project(project)
        folder = self.workspace.folder(project) / "tobe"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def xml(self, project: str) -> bytes:
        """The saved model (the example To-Be the first time)."""
        from crmflow.bpmn.writer import write_bpmn

        path = self.folder(project) / MODEL_FILE
        if not path.is_file():
            _replace(path, write_bpmn(example_model()))
        return path.read_bytes()

    def save(self, project: str, xml: bytes, *, lang: str = "en") -> ModelCheck:
        """Keep the edited model (even with problems, so that work is not lost) and check it."""
        try:
            xml = normalize_extensions(xml)
        except etree.XMLSyntaxError as exc:
            raise error(ToBeError, ERRORS, "modeler.not_well_formed", project=project, exc=exc) from None
        result = check_model(xml, lang=lang)
        if result.problems and result.problems[0].code == "unreadable":
            raise error(ToBeError, ERRORS, "modeler.not_saved", project=project, problem=result.problems[0].message)
        with self.workspace.lock(project):
            _replace(self.folder(project) / MODEL_FILE, xml)
            (self.folder(project) / "compiled.bpmn").unlink(missing_ok=True)
        return result

    def properties(self, project: str, element_id: str) -> dict[str, Any]:
        return node_properties(self.xml(project), element_id)

    def set_properties(
        self,
        project: str,
        element_id: str,
        raci: dict[str, list[str]] | None = None,
        *,
        slas: list[dict[str, Any]] | None = None,
        rules: dict[str, Any] | None = None,
        lang: str = "en",
    ) -> ModelCheck:
        """Replace a node's RACI, SLAs and/or rules, save and check the model (kept even with problems)."""
        with self.workspace.lock(project):
            xml = set_node_properties(self.xml(project), element_id, raci=raci, slas=slas, rules=rules, lang=lang)
            return self.save(project, xml, lang=lang)

    def compile(self, project: str, *, lang: str = "en") -> dict[str, Any]:
        """Compile the saved model again and regenerate the pack (``pack/`` and ``pack.zip``).

        Raises
        ------
        ToBeError
            If the model has errors (the message lists them); nothing is written then.
        """
        from crmflow.bpmn.reader import read_bpmn
        from crmflow.bpmn.writer import write_bpmn
        from crmflow.deliverables.pack import build_pack
        from crmflow.design.compile import compile_tobe
        from crmflow.design.from_bpmn import derive_tobe

        xml = self.xml(project)
        result = check_model(xml, lang=lang)
        if not result.ok:
            errors = "; ".join(
                f"{p.code} ({', '.join(p.elements)}): {p.message}" for p in result.problems if p.severity == "error"
            )
            raise error(ToBeError, ERRORS, "modeler.has_errors", project=project, errors=errors)
        folder = self.folder(project)
        with self.workspace.lock(project):
            definition = derive_tobe(read_bpmn(xml)).definition
            model = compile_tobe(definition, lang=lang)
            compiled = write_bpmn(model.definitions)
            audit = self.workspace.folder(project) / "audit"
            pack = build_pack(
                definition, out_dir=folder / "pack", audit=audit if (audit / "audit.json").is_file() else None, lang=lang
            )
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in pack.files:
                    z.write(pack.path(f.path), f.path)
            (folder / "pack.zip").write_bytes(buf.getvalue())
            (folder / "compiled.bpmn").write_bytes(compiled)
        return {
            "processes": [p.id for p in model.definitions.processes if p.nodes],
            "nodes": sum(len(p.nodes) for p in model.definitions.processes),
            "warnings": len(model.lint.warnings),
            "pack_files": [f.path for f in pack.files],
        }

    def pack_zip(self, project: str) -> Path:
        path = self.folder(project) / "pack.zip"
        if not path.is_file():
            raise error(WebNotFoundError, ERRORS, "modeler.not_compiled", project=project)
        return path

    def deploy(self, project: str, *, user: str) -> Deployment:
        """Deploy the last compiled model (compile first)."""
        path = self.folder(project) / "compiled.bpmn"
        if not path.is_file():
            raise error(ToBeError, ERRORS, "modeler.stale", project=project)
        return self.deployer.deploy(project, path.read_bytes(), user=user)

    def deployments(self, project: str) -> list[Deployment]:
        lister = getattr(self.deployer, "deployments", None)
        return list(lister(project)) if lister is not None else []


__all__ = [
    "RACI_KEYS",
    "CrmflowError",
    "Deployer",
    "Deployment",
    "ModelCheck",
    "ModelProblem",
    "RecordingDeployer",
    "ToBeModels",
    "check_model",
    "example_model",
    "normalize_extensions",
    "node_properties",
    "set_node_properties",
]
