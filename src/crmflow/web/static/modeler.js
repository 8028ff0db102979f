// The To-Be modeler: bpmn-js Modeler, a properties panel for crmflow's RACI/SLA extension, save → problems
// on the elements (markers + overlays by element id) → compile → pack → deploy. Text only via textContent.
"use strict";
(async function () {
  const root = document.getElementById("modeler-root");
  if (!root) return;
  const cf = window.crmflow;
  const texts = JSON.parse(root.dataset.texts);
  const project = encodeURIComponent(root.dataset.project);
  const api = "/api/projects/" + project + "/tobe";
  const editable = root.dataset.editable === "yes";
  const status = document.getElementById("tobe-status");
  const box = document.getElementById("modeler");
  const csrfInput = document.querySelector('input[name="csrf"]');
  const csrf = csrfInput ? csrfInput.value : "";
  const modeler = new window.BpmnJS({ container: box });
  box.bpmnjs = modeler; // for the browser tests (a DOM property, no global)
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const registry = modeler.get("elementRegistry");
  let marked = [];
  let selected = null;

  function say(msg, bad) { status.textContent = msg; status.className = bad ? "hint bad" : "hint"; }
  async function send(method, url, body, type) {
    const headers = { "x-csrf-token": csrf, accept: "application/json" };
    if (type) headers["content-type"] = type;
    const r = await fetch(url, { method, credentials: "same-origin", headers, body });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || r.statusText);
    return data;
  }
  async function load(keepView) {
    const r = await fetch(api, { credentials: "same-origin" });
    if (!r.ok) throw new Error(r.statusText);
    const view = keepView ? canvas.viewbox() : null;
    await modeler.importXML(await r.text());
    if (view) canvas.viewbox(view); else canvas.zoom("fit-viewport");
  }
  function showProblems(result) {
    for (const id of marked) { if (registry.get(id)) canvas.removeMarker(id, "crmflow-error"); }
    overlays.remove({ type: "crmflow-problem" });
    marked = [];
    const list = document.getElementById("tobe-problems");
    list.replaceChildren();
    let errors = 0;
    const stacked = {};
    for (const p of result.problems) {
      if (p.severity === "error") errors += 1;
      const li = cf.el("li", (p.severity === "error" ? "✖ " : "⚠ ") + p.code + (p.elements.length ? " (" + p.elements.join(", ") + ")" : "") + ": " + p.message, p.severity);
      li.dataset.code = p.code;
      li.dataset.elements = p.elements.join(" ");
      list.appendChild(li);
      for (const id of p.elements) {
        if (!registry.get(id)) continue;
        if (p.severity === "error") { canvas.addMarker(id, "crmflow-error"); marked.push(id); }
        const badge = cf.el("div", (p.severity === "error" ? "✖ " : "⚠ ") + p.code, "badge" + (p.severity === "error" ? " warn" : " note"));
        badge.title = p.message;
        badge.dataset.element = id;
        stacked[id] = (stacked[id] || 0) + 1;
        overlays.add(id, "crmflow-problem", { position: { top: -4 - 16 * stacked[id], left: 0 }, html: badge });
      }
    }
    root.dataset.errors = String(errors);
    return errors;
  }
  async function save() {
    const { xml } = await modeler.saveXML({ format: true });
    const result = await send("PUT", api, xml, "application/xml");
    const errors = showProblems(result);
    say(errors ? texts.tobe_saved_errors.replace("{n}", errors) : texts.tobe_saved_ok, errors > 0);
    const deploy = document.getElementById("tobe-deploy");
    if (deploy) deploy.disabled = true;
    return result;
  }
  async function deployments() {
    const rows = await cf.getJSON(api + "/deployments");
    const body = document.getElementById("tobe-deployments");
    body.replaceChildren();
    for (const d of rows) {
      const tr = document.createElement("tr");
      for (const v of [d.id, d.processes.join(", "), d.sha256.slice(0, 12), d.deployed_by, new Date(d.deployed_at).toLocaleString(cf.locale)]) tr.appendChild(cf.el("td", v));
      body.appendChild(tr);
    }
  }
  async function showProperties(element) {
    selected = element;
    const form = document.getElementById("prop-form");
    const empty = document.getElementById("prop-empty");
    if (!element || element.type === "bpmn:Process" || element.type === "label") { form.hidden = true; empty.hidden = false; return; }
    form.hidden = false; empty.hidden = true;
    document.getElementById("prop-id").textContent = element.id;
    document.getElementById("prop-type").textContent = element.type.replace("bpmn:", "");
    document.getElementById("prop-name").value = element.businessObject.name || "";
    const slas = document.getElementById("prop-slas");
    slas.replaceChildren();
    const raci = document.getElementById("prop-raci");
    let props = null;
    try { props = await cf.getJSON(api + "/elements/" + encodeURIComponent(element.id)); } catch (e) { props = null; }
    if (selected !== element) return;
    raci.hidden = !(props && props.crmflow);
    for (const k of ["R", "A", "C", "I"]) {
      const input = document.getElementById("prop-raci-" + k);
      input.value = props && props.crmflow ? props.raci[k].join(", ") : "";
      input.disabled = !editable;
    }
    document.getElementById("prop-name").disabled = !editable;
    if (props && props.slas.length) {
      slas.appendChild(cf.el("p", "SLA", "label"));
      for (const s of props.slas) slas.appendChild(cf.el("div", Object.entries(s).filter(([, v]) => typeof v !== "object").map(([k, v]) => k + ": " + v).join(" · "), "hint"));
    } else if (!(props && props.crmflow)) {
      slas.appendChild(cf.el("p", texts.tobe_no_crmflow, "hint"));
    }
  }

  try { await load(false); } catch (e) { say(String(e.message || e), true); return; }
  modeler.get("eventBus").on("selection.changed", (ev) => { showProperties(ev.newSelection.length === 1 ? ev.newSelection[0] : null); });
  try { showProblems(await cf.getJSON(api + "/check")); } catch (e) { say(String(e.message || e), true); }
  await deployments();
  root.dataset.ready = "yes";
  if (!editable) return;

  document.getElementById("prop-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!selected) return;
    const element = selected;
    const name = document.getElementById("prop-name").value;
    try {
      if (name !== (element.businessObject.name || "")) modeler.get("modeling").updateLabel(element, name);
      await save();
      if (!document.getElementById("prop-raci").hidden) {
        const raci = {};
        for (const k of ["R", "A", "C", "I"]) raci[k] = document.getElementById("prop-raci-" + k).value.split(",").map((s) => s.trim()).filter((s) => s);
        const result = await send("PUT", api + "/elements/" + encodeURIComponent(element.id) + "/raci", JSON.stringify(raci), "application/json");
        await load(true);
        const errors = showProblems(result);
        say(errors ? texts.tobe_saved_errors.replace("{n}", errors) : texts.tobe_saved_ok, errors > 0);
      }
    } catch (e) { say(String(e.message || e), true); }
  });
  document.getElementById("tobe-save").addEventListener("click", async () => {
    try { await save(); } catch (e) { say(String(e.message || e), true); }
  });
  document.getElementById("tobe-compile").addEventListener("click", async () => {
    try {
      const result = await save();
      if (!result.ok) return;
      const out = await send("POST", api + "/compile");
      say(texts.tobe_compiled.replace("{processes}", out.processes.join(", ")).replace("{files}", out.pack_files.length));
      document.getElementById("tobe-pack").hidden = false;
      document.getElementById("tobe-deploy").disabled = false;
    } catch (e) { say(String(e.message || e), true); }
  });
  document.getElementById("tobe-deploy").addEventListener("click", async () => {
    try {
      const d = await send("POST", api + "/deploy");
      say(texts.tobe_deployed.replace("{id}", d.id));
      await deployments();
    } catch (e) { say(String(e.message || e), true); }
  });
})();
