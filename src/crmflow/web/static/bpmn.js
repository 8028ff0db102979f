// The annotated As-Is BPMN in bpmn-js, with the audit's statistics as overlays on the tasks.
"use strict";
(async function () {
  const box = document.getElementById("bpmn");
  if (!box) return;
  const cf = window.crmflow;
  const status = document.getElementById("bpmn-status");
  const r = await fetch("/api/projects/" + encodeURIComponent(box.dataset.project) + "/bpmn", { credentials: "same-origin" });
  if (!r.ok) { status.textContent = r.statusText; return; }
  const xml = await r.text();
  const viewer = new window.BpmnJS({ container: box });
  try { await viewer.importXML(xml); } catch (e) { status.textContent = String(e.message || e); return; }
  viewer.get("canvas").zoom("fit-viewport");
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const overlays = viewer.get("overlays");
  const registry = viewer.get("elementRegistry");
  let n = 0;
  for (const st of doc.getElementsByTagNameNS("*", "statistics")) {
    const owner = st.parentElement && st.parentElement.parentElement;
    const id = owner && owner.getAttribute("id");
    if (!id || !registry.get(id)) continue;
    const badge = cf.el("div", cf.num(Number(st.getAttribute("cases"))) + (st.getAttribute("medianWaitS") ? " · " + cf.duration(Number(st.getAttribute("medianWaitS"))) : ""), "badge");
    overlays.add(id, { position: { bottom: 8, left: 0 }, html: badge });
    n += 1;
  }
  for (const f of doc.getElementsByTagNameNS("*", "finding")) {
    const owner = f.parentElement && f.parentElement.parentElement;
    const id = owner && owner.getAttribute("id");
    if (!id || !registry.get(id)) continue;
    const flag = cf.el("div", "⚠ " + (f.getAttribute("kind") || ""), "badge warn");
    overlays.add(id, { position: { top: -18, right: 10 }, html: flag });
  }
  box.dataset.overlays = String(n);
  status.textContent = "";
})();
