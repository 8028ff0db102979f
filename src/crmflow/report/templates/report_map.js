// The process map's sliders (crmflow.report.map_select): the activity slider picks a level (one
// drawing per level), the path slider how many of the level's edges, in their fixed order, are
// drawn. Without JavaScript the page shows the default and says what it hides.
(function () {
  var data = JSON.parse(document.getElementById("pm-data").textContent);
  var acts = document.getElementById("pm-activities");
  var paths = document.getElementById("pm-paths");
  function apply() {
    var level = +acts.value, shown = +paths.value, info = data.levels[level];
    document.querySelectorAll(".pm-level").forEach(function (box) {
      var on = +box.getAttribute("data-level") === level;
      box.hidden = !on;
      if (!on) return;
      box.querySelectorAll("g.edge[data-rank]").forEach(function (g) {
        g.classList.toggle("pm-off", +g.getAttribute("data-rank") >= shown);
      });
    });
    document.querySelectorAll(".pm-caption").forEach(function (c) {
      c.textContent = info.captions[shown];
    });
  }
  function setLevel(level, all) {
    var info = data.levels[level];
    acts.value = level;
    paths.min = info.floor;
    paths.max = info.edges;
    paths.value = all ? info.edges : info["default"];
    apply();
  }
  acts.addEventListener("input", function () {
    setLevel(+acts.value, +paths.value === +paths.max);
  });
  paths.addEventListener("input", apply);
  document.getElementById("pm-default").addEventListener("click", function () {
    setLevel(data["default"], false);
  });
  document.getElementById("pm-all").addEventListener("click", function () {
    setLevel(data.levels.length - 1, true);
  });
  document.getElementById("pm-controls").hidden = false;
})();
