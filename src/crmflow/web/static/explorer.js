// Process explorer: the map (cytoscape + dagre), activity/path sliders, filters, variants; all numbers from /api.
"use strict";
(function () {
  const root = document.getElementById("explorer");
  if (!root) return;
  const cf = window.crmflow;
  const project = root.dataset.project;
  const texts = JSON.parse(root.dataset.texts);
  const base = "/api/projects/" + encodeURIComponent(project);
  const form = document.getElementById("filters");
  const act = document.getElementById("activities");
  const paths = document.getElementById("paths");
  let cy = null;
  try { window.cytoscape.use(window.cytoscapeDagre); } catch (e) { /* already registered */ }
  let seq = 0;

  function query() {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim() !== "") p.set(k, String(v).trim());
    return p;
  }
  function mode() { return document.querySelector("input[name=mode]:checked").value; }

  async function drawMap() {
    const mine = ++seq;
    const p = query();
    p.set("activities", act.value); p.set("paths", paths.value); p.set("mode", mode());
    let m;
    try { m = await cf.getJSON(base + "/map?" + p.toString()); } catch (e) { document.getElementById("totals").textContent = e.message; return; }
    if (mine !== seq) return; // a newer interaction is already on its way
    const perf = m.mode === "performance";
    const maxEv = Math.max(1, ...m.nodes.map((n) => n.events));
    const edgeVals = m.edges.filter((e) => e.source !== "__start__" && e.target !== "__end__").map((e) => (perf ? e.mean_s || 0 : e.count));
    const maxEdge = Math.max(1, ...edgeVals);
    const els = [{ data: { id: "__start__", label: "▶" }, classes: "boundary" }, { data: { id: "__end__", label: "■" }, classes: "boundary" }];
    for (const n of m.nodes) {
      const label = n.label + "\n" + cf.num(n.events);
      els.push({ data: { id: n.id, label, w: 0.15 + 0.85 * (n.events / maxEv), width: Math.min(320, Math.max(110, 9 + 7.2 * n.label.length)) },
        classes: !perf && n.events / maxEv > 0.6 ? "dark" : "" });
    }
    for (const e of m.edges) {
      const v = perf ? e.mean_s : e.count;
      const boundary = e.source === "__start__" || e.target === "__end__";
      els.push({
        data: { id: e.source + "→" + e.target, source: e.source, target: e.target, label: perf ? (boundary ? "" : cf.duration(e.mean_s)) : cf.num(e.count),
                w: boundary ? 0.1 : Math.max(0.08, (v || 0) / maxEdge), src: e.source, dst: e.target },
        classes: boundary ? "boundary" : "",
      });
    }
    const style = [
      { selector: "node", style: { shape: "round-rectangle", label: "data(label)", "text-wrap": "wrap", "text-valign": "center", "font-size": 12,
          width: "data(width)", height: 46, "text-max-width": 310, "background-color": perf ? "#e8eef7" : "mapData(w, 0, 1, #dce9f7, #2f6fb3)", color: "#111", "border-width": 1, "border-color": "#3b5b85" } },
      { selector: "node.dark", style: { color: "#fff" } },
      { selector: "node.boundary", style: { shape: "ellipse", width: 26, height: 26, "background-color": "#555", color: "#fff", "font-size": 10 } },
      { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", label: "data(label)", "font-size": 10, "text-background-color": "#fff",
          "text-background-opacity": 0.85, width: "mapData(w, 0, 1, 1, 9)", "line-color": perf ? "mapData(w, 0, 1, #f0b8a8, #c0392b)" : "mapData(w, 0, 1, #a9b8cc, #1f3f66)",
          "target-arrow-color": perf ? "mapData(w, 0, 1, #f0b8a8, #c0392b)" : "mapData(w, 0, 1, #a9b8cc, #1f3f66)" } },
      { selector: "edge.boundary", style: { "line-style": "dashed", "line-color": "#999", "target-arrow-color": "#999", width: 1 } },
    ];
    if (cy) cy.destroy();
    cy = window.cytoscape({ container: document.getElementById("map"), elements: els, style, layout: { name: "dagre", rankDir: "TB", nodeSep: 30, rankSep: 45 },
      wheelSensitivity: 0.2 });
    cy.on("tap", "edge", (ev) => {
      const d = ev.target.data();
      if (d.src === "__start__" || d.dst === "__end__") return;
      const s = cy.getElementById(d.src).data("label").split("\n")[0];
      const t = cy.getElementById(d.dst).data("label").split("\n")[0];
      window.location.href = "/p/" + encodeURIComponent(project) + "/cases?" + new URLSearchParams({ source: s, target: t }).toString();
    });
    const totals = document.getElementById("totals");
    totals.textContent = texts.cases + ": " + cf.num(m.cases) + " · " + texts.events + ": " + cf.num(m.events) + " · " + texts.median + ": " + cf.duration(m.median_s) +
      " · " + texts.activities_slider + ": " + m.nodes.length + "/" + m.activities_total;
    root.dataset.nodes = String(m.nodes.length);
    root.dataset.edges = String(m.edges.length);
  }

  async function drawVariants() {
    const p = query(); p.delete("top_variants"); p.set("limit", "20");
    let rows;
    try { rows = await cf.getJSON(base + "/variants?" + p.toString()); } catch (e) { return; }
    const body = document.querySelector("#variants tbody");
    body.replaceChildren();
    for (const v of rows) {
      const tr = document.createElement("tr");
      tr.append(cf.el("td", v.rank), cf.el("td", v.activities.join(" → ")), cf.el("td", cf.num(v.cases), "n"), cf.el("td", cf.pct(v.share), "n"), cf.el("td", cf.duration(v.median_s), "n"));
      body.append(tr);
    }
  }

  let timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(drawMap, 120); }
  act.addEventListener("input", () => { document.getElementById("activities-out").textContent = act.value; later(); });
  paths.addEventListener("input", () => { document.getElementById("paths-out").textContent = paths.value; later(); });
  for (const r of document.querySelectorAll("input[name=mode]")) r.addEventListener("change", drawMap);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); drawMap(); drawVariants(); });
  drawMap(); drawVariants();
})();
