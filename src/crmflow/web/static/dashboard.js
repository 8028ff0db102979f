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
  const live = document.getElementById("live-open");
  if (live && window.EventSource) {
    const es = new EventSource("/api/events?seconds=300");
    es.addEventListener("tasks", (ev) => { live.textContent = cf.num(JSON.parse(ev.data).open); });
  }
})();
