// The To-Be modeler: bpmn-js Modeler, a properties panel for crmflow's RACI, SLAs and rules, save → problems
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
  async function save(quiet) {
    const { xml } = await modeler.saveXML({ format: true });
    const result = await send("PUT", api, xml, "application/xml");
    const errors = showProblems(result);
    if (!quiet) say(errors ? texts.tobe_saved_errors.replace("{n}", errors) : texts.tobe_saved_ok, errors > 0);
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
  function textIn(t) { return t && typeof t === "object" ? (t[cf.lang] || t.en || t.ru || "") : (t || ""); }
  // one labelled input of an SLA or check row; the value goes in as a property, never as markup
  function field(row, label, key, value, opts) {
    const o = opts || {};
    const l = cf.el("label", label + " ");
    let input;
    if (o.choices) {
      input = document.createElement("select");
      for (const [v, txt] of o.choices) { const opt = cf.el("option", txt); opt.value = v; input.appendChild(opt); }
      input.value = value || o.choices[0][0];
    } else {
      input = document.createElement("input");
      if (o.checkbox) { input.type = "checkbox"; input.checked = !!value; } else { input.value = value || ""; input.maxLength = 2000; }
    }
    input.dataset.key = key;
    input.disabled = !editable || !!o.readonly;
    l.appendChild(input);
    row.appendChild(l);
    return input;
  }
  function removable(row) {
    if (!editable) return;
    const b = cf.el("button", texts.tobe_remove, "link remove");
    b.type = "button";
    b.addEventListener("click", () => row.remove());
    row.appendChild(b);
  }
  function slaRow(s, isNew) {
    const row = cf.el("fieldset", null, "row sla-row");
    row.dataset.sla = s.id || "";
    field(row, texts.tobe_sla_id, "id", s.id, { readonly: !isNew });
    field(row, texts.tobe_sla_name, "name", textIn(s.name));
    field(row, texts.tobe_sla_within, "within", s.within);
    field(row, texts.tobe_sla_time, "time", s.time || "working", { choices: [["working", texts.tobe_time_working], ["calendar", texts.tobe_time_calendar]] });
    field(row, texts.tobe_sla_applies, "applies_when", s.applies_when);
    field(row, texts.tobe_sla_interrupting, "interrupting", s.interrupting, { checkbox: true });
    row.dataset.resolvedWhen = s.resolved_when || "";
    row.dataset.resumeAt = s.resume_at || "";
    if (s.escalations && s.escalations.length) row.appendChild(cf.el("p", texts.tobe_sla_escalations.replace("{n}", s.escalations.length), "hint"));
    removable(row);
    return row;
  }
  function checkRow(c, isNew) {
    const row = cf.el("fieldset", null, "row check-row");
    row.dataset.check = c.id || "";
    field(row, texts.tobe_check_id, "id", c.id, { readonly: !isNew });
    field(row, texts.tobe_check_expression, "expression", c.expression);
    field(row, texts.tobe_check_severity, "severity", c.severity || "error", { choices: [["error", "error"], ["warning", "warning"]] });
    field(row, texts.tobe_check_message, "message", textIn(c.message));
    removable(row);
    return row;
  }
  function rowValues(row) {
    const out = {};
    for (const i of row.querySelectorAll("[data-key]")) out[i.dataset.key] = i.type === "checkbox" ? i.checked : i.value.trim();
    return out;
  }
  let current = null;
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
    const checks = document.getElementById("prop-checks");
    slas.replaceChildren();
    checks.replaceChildren();
    const raci = document.getElementById("prop-raci");
    let props = null;
    try { props = await cf.getJSON(api + "/elements/" + encodeURIComponent(element.id)); } catch (e) { props = null; }
    if (selected !== element) return;
    current = props;
    raci.hidden = !(props && props.crmflow);
    for (const k of ["R", "A", "C", "I"]) {
      const input = document.getElementById("prop-raci-" + k);
      input.value = props && props.crmflow ? props.raci[k].join(", ") : "";
      input.disabled = !editable;
    }
    document.getElementById("prop-name").disabled = !editable;
    const task = !!(props && props.crmflow && props.task);
    document.getElementById("prop-sla-box").hidden = !task;
    document.getElementById("prop-rules-box").hidden = !task;
    const note = document.getElementById("prop-note");
    note.hidden = !!(props && props.crmflow);
    note.textContent = props && props.crmflow ? "" : texts.tobe_no_crmflow;
    if (!task) return;
    for (const s of props.slas) slas.appendChild(slaRow(s, false));
    const mandatory = document.getElementById("prop-mandatory");
    mandatory.value = props.rules.mandatory_fields.join(", ");
    mandatory.disabled = !editable;
    for (const c of props.rules.checks) checks.appendChild(checkRow(c, false));
    document.getElementById("prop-rules-kept").hidden = !(props.rules.routing || props.rules.priorities.length);
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
      const withProps = !document.getElementById("prop-raci").hidden;
      await save(withProps); // the status is said once everything is saved
      if (withProps) {
        const at = api + "/elements/" + encodeURIComponent(element.id);
        const raci = {};
        for (const k of ["R", "A", "C", "I"]) raci[k] = document.getElementById("prop-raci-" + k).value.split(",").map((s) => s.trim()).filter((s) => s);
        let result = await send("PUT", at + "/raci", JSON.stringify(raci), "application/json");
        if (current && current.task) {
          const slas = [...document.querySelectorAll("#prop-slas .sla-row")].map((row) => (
            { ...rowValues(row), resolved_when: row.dataset.resolvedWhen, resume_at: row.dataset.resumeAt }));
          result = await send("PUT", at + "/slas", JSON.stringify(slas), "application/json");
          const rules = {
            mandatory_fields: document.getElementById("prop-mandatory").value.split(",").map((s) => s.trim()).filter((s) => s),
            checks: [...document.querySelectorAll("#prop-checks .check-row")].map(rowValues),
          };
          result = await send("PUT", at + "/rules", JSON.stringify(rules), "application/json");
        }
        await load(true);
        const errors = showProblems(result);
        say(errors ? texts.tobe_saved_errors.replace("{n}", errors) : texts.tobe_saved_ok, errors > 0);
        await showProperties(registry.get(element.id) || null);
      }
    } catch (e) { say(String(e.message || e), true); }
  });
  document.getElementById("prop-sla-add").addEventListener("click", () => {
    document.getElementById("prop-slas").appendChild(slaRow({ id: "", time: "working" }, true));
  });
  document.getElementById("prop-check-add").addEventListener("click", () => {
    document.getElementById("prop-checks").appendChild(checkRow({ id: "", severity: "error" }, true));
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
