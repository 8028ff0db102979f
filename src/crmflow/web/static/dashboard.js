// Dashboard: the funnel chart (echarts) and the live task counter (server-sent events).
"use strict";
(function () {
  const cf = window.crmflow;
  const chart = document.getElementById("funnel-chart");
  if (chart && window.echarts) {
    const values = JSON.parse(chart.dataset.funnel);
    const stages = JSON.parse(chart.dataset.stages);
    const c = window.echarts.init(chart, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      grid: { left: 200, right: 40, top: 10, bottom: 20 },
      xAxis: { type: "value", axisLabel: { formatter: (v) => cf.num(v) } },
      yAxis: { type: "category", data: stages, inverse: true },
      series: [{ type: "bar", data: values, label: { show: true, position: "right", formatter: (p) => cf.num(p.value) }, itemStyle: { color: "#2f6fb3" } }],
    });
  }
  const costBox = document.getElementById("cost-chart");
  if (costBox && window.echarts) {
    const weeks = JSON.parse(costBox.dataset.weeks);
    const values = JSON.parse(costBox.dataset.values);
    const c = window.echarts.init(costBox, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      grid: { left: 70, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: weeks },
      yAxis: { type: "value", axisLabel: { formatter: (v) => cf.num(v) } },
      series: [{ type: "line", data: values, itemStyle: { color: "#2f6fb3" } }],
    });
  }
  const imrBox = document.getElementById("imr-chart");
  if (imrBox && window.echarts) {
    const imr = JSON.parse(imrBox.dataset.imr);
    const days = (s) => s / 86400;
    const c = window.echarts.init(imrBox, null, { renderer: "svg" });
    const line = (y, name, color) => ({ yAxis: days(y), name, lineStyle: { color, type: "dashed" }, label: { formatter: name + " " + cf.duration(y) } });
    c.setOption({
      animation: false,
      grid: { left: 60, right: 120, top: 20, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: (v) => cf.duration(v * 86400) },
      xAxis: { type: "category", data: imr.points.map((p) => p.label) },
      yAxis: { type: "value", axisLabel: { formatter: (v) => cf.num(v) + (cf.lang === "ru" ? " д" : " d") } },
      series: [{
        type: "line", data: imr.points.map((p) => ({ value: days(p.value), itemStyle: { color: p.out ? "#c0392b" : "#2f6fb3" }, symbolSize: p.out ? 9 : 5 })),
        lineStyle: { color: "#2f6fb3" },
        markLine: { symbol: "none", data: [line(imr.ucl, imrBox.dataset.labelUcl, "#c0392b"), line(imr.centre, imrBox.dataset.labelCl, "#555"), line(imr.lcl, imrBox.dataset.labelLcl, "#c0392b")] },
      }],
    });
    imrBox.dataset.points = String(imr.points.length);
  }
  for (const box of document.querySelectorAll(".p-chart")) {
    if (!window.echarts) break;
    const pc = JSON.parse(box.dataset.p);
    const c = window.echarts.init(box, null, { renderer: "svg" });
    const labels = pc.points.map((p) => p.label);
    c.setOption({
      animation: false,
      grid: { left: 60, right: 40, top: 20, bottom: 40 },
      tooltip: { trigger: "axis", valueFormatter: (v) => cf.pct(v) },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => cf.pct(v) } },
      series: [
        { name: "p", type: "line", data: pc.points.map((p) => ({ value: p.p, itemStyle: { color: p.out ? "#c0392b" : "#2f6fb3" }, symbolSize: p.out ? 9 : 5 })), lineStyle: { color: "#2f6fb3" } },
        { name: "UCL", type: "line", step: "middle", symbol: "none", data: pc.points.map((p) => p.ucl), lineStyle: { color: "#c0392b", type: "dashed" } },
        { name: "p̄", type: "line", symbol: "none", data: pc.points.map(() => pc.p_bar), lineStyle: { color: "#555", type: "dashed" } },
        { name: "LCL", type: "line", step: "middle", symbol: "none", data: pc.points.map((p) => p.lcl), lineStyle: { color: "#c0392b", type: "dashed" } },
      ],
    });
    box.dataset.points = String(pc.points.length);
  }
  const live = document.getElementById("live-open");
  if (live && window.EventSource) {
    const es = new EventSource("/api/events?seconds=300");
    es.addEventListener("tasks", (ev) => { live.textContent = cf.num(JSON.parse(ev.data).open); });
  }
})();
