// The As-Is BPMN fits its box when the page opens (the whole diagram, every lane visible); the
// buttons zoom, dragging moves it, Ctrl + wheel zooms. Without JavaScript the style sheet scales
// the diagram to the width of the page.
(function () {
  var frame = document.getElementById("bpmn-frame");
  var svg = frame && frame.querySelector("svg");
  if (!svg) return;
  var box = svg.viewBox && svg.viewBox.baseVal;
  var w = (box && box.width) || svg.getBBox().width, h = (box && box.height) || svg.getBBox().height;
  var zoom = 1;
  function fitZoom() {
    return Math.min((frame.clientWidth - 8) / w, (frame.clientHeight - 8) / h);
  }
  function set(z) {
    zoom = Math.max(0.1, Math.min(4, z));
    svg.style.width = w * zoom + "px";
    svg.style.height = h * zoom + "px";
    svg.style.maxWidth = "none";
  }
  frame.classList.add("zoomable");
  // the box is no taller than the diagram fitted to the page's width (a wide, flat model leaves no blank band)
  var byWidth = (frame.clientWidth - 8) / w;
  frame.style.height = Math.min(frame.clientHeight, h * byWidth + 12) + "px";
  set(fitZoom());
  document.querySelectorAll("#bpmn-controls [data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var how = b.getAttribute("data-zoom");
      set(how === "fit" ? fitZoom() : zoom * (how === "in" ? 1.25 : 0.8));
    });
  });
  frame.addEventListener("wheel", function (e) {
    if (!e.ctrlKey) return;
    e.preventDefault();
    set(zoom * (e.deltaY < 0 ? 1.1 : 0.9));
  }, { passive: false });
  var drag = null;
  frame.addEventListener("mousedown", function (e) {
    drag = { x: e.clientX, y: e.clientY, left: frame.scrollLeft, top: frame.scrollTop };
    frame.classList.add("dragging");
  });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    frame.scrollLeft = drag.left - (e.clientX - drag.x);
    frame.scrollTop = drag.top - (e.clientY - drag.y);
  });
  window.addEventListener("mouseup", function () {
    drag = null;
    frame.classList.remove("dragging");
  });
  document.getElementById("bpmn-controls").hidden = false;
})();
