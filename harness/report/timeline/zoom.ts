// Zoom and pan of the timeline's time axis: a small inline script (the page fetches nothing) that
// re-places every mark from the offsets place.ts wrote on it and redraws the ticks, so text keeps
// its size at any zoom. Without script the controls stay hidden and the page shows the whole run.
import { CHAR_W, WIDTH } from "./layout.ts";
import { MAX_TICKS, STEPS_MS } from "./scale.ts";

/**
 * The tick arithmetic of scale.ts (ticksBetween, tickLabel) as page script; a unit test holds the
 * two equal. Plain JS in a string, not a serialized function: a TypeScript loader may add helpers to
 * a function's source that the page would not have.
 */
export const TICKS_JS = `
var STEPS_MS = ${JSON.stringify(STEPS_MS)};
function ticksBetween(fromMs, toMs) {
  var span = toMs - fromMs;
  var step = STEPS_MS.find(function (s) { return span / s <= ${MAX_TICKS}; }) || STEPS_MS[STEPS_MS.length - 1];
  var ticks = [];
  for (var i = Math.ceil(fromMs / step - 1e-9); i * step <= toMs + 1e-6; i++) ticks.push(i * step);
  return ticks;
}
function tickLabel(offsetMs, style) {
  if (style === "s") return Number((offsetMs / 1000).toFixed(2)) + " s";
  var ms = Math.round(offsetMs);
  var minutes = Math.floor(ms / 60000);
  var seconds = Number(((ms - minutes * 60000) / 1000).toFixed(2));
  return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
}
function fitText(text, px) {
  var chars = Math.floor(px / ${CHAR_W});
  if (text.length <= chars) return text;
  return chars < 2 ? "" : text.slice(0, chars - 1) + "\\u2026";
}
`;

const MAIN_JS = `
  var svg = document.querySelector("svg.timeline");
  var bar = document.querySelector(".zoom");
  if (!svg || !bar || !bar.replaceChildren) return;
  var NS = svg.namespaceURI;
  var ds = svg.dataset;
  var L = +ds.plotLeft, R = +ds.plotRight, SPAN = +ds.spanMs, STYLE = ds.tickStyle;
  var TOP = +ds.axisTop, BOTTOM = +ds.axisBottom, PAD = +ds.clipPad, W = ${WIDTH};
  // The deepest zoom: a fiftieth of a second, or a 500th of a long run.
  var MIN_VIEW = Math.min(SPAN, Math.max(SPAN / 500, 20));
  var v0 = 0, v1 = SPAN, frame = 0;
  var r = function (n) { return Math.round(n * 10) / 10; };
  var X = function (ms) { return L + ((ms - v0) * (R - L)) / (v1 - v0); };
  var num = function (el, key, dflt) { var v = el.dataset[key]; return v === undefined ? dflt : +v; };
  var all = function (sel) { return Array.prototype.slice.call(svg.querySelectorAll(sel)); };
  // Read once: a long run places tens of thousands of marks.
  var points = all("[data-at]").map(function (el) {
    var tag = el.tagName.toLowerCase();
    return { el: el, tag: tag, at: +el.dataset.at, dx: num(el, "dx", 0), sticky: num(el, "sticky", null) };
  });
  var spans = all("[data-from]").map(function (el) {
    return { el: el, rect: el.tagName.toLowerCase() === "rect", from: +el.dataset.from, to: +el.dataset.to, min: num(el, "min", 0) };
  });
  var tickPaths = all("path[data-ticks]").map(function (el) {
    return { el: el, at: el.dataset.ticks.split(" ").map(Number), y: el.dataset.y, h: el.dataset.h };
  });
  var series = all("path[data-steps]").map(function (el) {
    var pts = el.dataset.steps.split(" ").map(function (p) { return p.split(":").map(Number); });
    return { el: el, pts: pts, base: el.dataset.base };
  });
  var names = points.filter(function (p) { return p.el.dataset.full !== undefined; }).map(function (p) {
    return { el: p.el, at: p.at, dx: p.dx, full: p.el.dataset.full, until: num(p.el, "until", null) };
  });
  var axis = svg.querySelector("g.ticks");
  var clip = svg.querySelector("#plot-clip rect");
  var shown = bar.querySelector("output");

  function set(el, name, value) { el.setAttribute(name, String(value)); }
  function make(tag, attrs, text) {
    var el = document.createElementNS(NS, tag);
    for (var k in attrs) set(el, k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    return el;
  }
  function place() {
    frame = 0;
    points.forEach(function (p) {
      var x = r(X(p.at));
      if (p.tag === "g") set(p.el, "transform", "translate(" + x + " 0)");
      else if (p.tag === "line") { set(p.el, "x1", x); set(p.el, "x2", x); }
      else if (p.tag === "circle") set(p.el, "cx", x);
      else set(p.el, "x", r(label(p, x)));
    });
    spans.forEach(function (s) {
      var x1 = X(s.from), x2 = X(s.to);
      if (s.rect) { set(s.el, "x", r(x1)); set(s.el, "width", r(Math.max(x2 - x1, s.min))); }
      else { set(s.el, "x1", r(x1)); set(s.el, "x2", r(Math.max(x2, x1 + s.min))); }
    });
    tickPaths.forEach(function (t) {
      set(t.el, "d", t.at.map(function (a) { return "M" + r(X(a)) + " " + t.y + "v" + t.h; }).join(""));
    });
    series.forEach(function (s) {
      var first = s.pts[0];
      var d = "M" + r(X(first[0])) + " " + first[1];
      for (var i = 1; i < s.pts.length; i++) d += "H" + r(X(s.pts[i][0])) + "V" + s.pts[i][1];
      if (s.base !== undefined) d += "V" + s.base + "H" + r(X(first[0])) + "Z";
      set(s.el, "d", d);
    });
    names.forEach(function (n) {
      var room = (n.until === null ? R + PAD : X(n.until)) - X(n.at) - n.dx - 6;
      n.el.textContent = fitText(n.full, room);
    });
    // The whole run shows marks a little past the axis ends; a zoomed view cuts them at the axis.
    var left = v0 > 0 ? L : L - PAD, right = v1 < SPAN ? R : R + PAD;
    set(clip, "x", left);
    set(clip, "width", right - left);
    drawTicks();
    shown.textContent = "+" + Math.round(v0) + " ms to +" + Math.round(v1) + " ms (" + r(SPAN / (v1 - v0)) + "\\u00d7)";
  }
  // A span's label stays at the left edge while enough of its span is in view to hold it.
  function label(p, x) {
    var at = x + p.dx;
    if (p.sticky === null || at >= L + p.dx) return at;
    return X(p.sticky) - (L + p.dx) >= 60 ? L + p.dx : at;
  }
  function drawTicks() {
    var nodes = [];
    ticksBetween(v0, v1).forEach(function (t) {
      var x = r(X(t)), label = tickLabel(t, STYLE);
      nodes.push(
        make("line", { class: "grid", x1: x, x2: x, y1: TOP - 4, y2: BOTTOM }),
        make("text", { class: "tick", x: x, y: TOP - 8, "text-anchor": "middle" }, label),
        make("text", { class: "tick", x: x, y: BOTTOM + 16, "text-anchor": "middle" }, label)
      );
    });
    axis.replaceChildren.apply(axis, nodes);
  }
  function setView(a, b) {
    var w = Math.min(Math.max(b - a, MIN_VIEW), SPAN);
    // Past the deepest zoom the view keeps its centre; any view stays inside the run.
    var from = b - a < MIN_VIEW ? (a + b) / 2 - w / 2 : a;
    from = Math.min(Math.max(from, 0), SPAN - w);
    v0 = from;
    v1 = from + w;
    if (!frame) frame = requestAnimationFrame(place);
  }
  // f < 1 zooms in, keeping the instant \`at\` where it is on screen.
  function zoom(f, at) {
    if (at === undefined) at = (v0 + v1) / 2;
    setView(at - (at - v0) * f, at + (v1 - at) * f);
  }
  function plotX(clientX) {
    var box = svg.getBoundingClientRect();
    return ((clientX - box.left) * W) / box.width;
  }
  function msAt(clientX) { return v0 + ((plotX(clientX) - L) * (v1 - v0)) / (R - L); }
  function inPlot(clientX) { var x = plotX(clientX); return x >= L && x <= R; }

  // Ctrl (or cmd) + wheel zooms, as a pinch on a touchpad does; a sideways or shift + wheel pans.
  // A plain wheel still scrolls the page: the plot is most of it.
  svg.addEventListener("wheel", function (e) {
    if (!inPlot(e.clientX)) return;
    var unit = e.deltaMode === 1 ? 16 : 1;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      zoom(Math.exp(e.deltaY * unit * 0.0015), msAt(e.clientX));
    } else if ((e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) && v1 - v0 < SPAN) {
      e.preventDefault();
      var d = ((e.deltaX || e.deltaY) * unit * (v1 - v0)) / (R - L);
      setView(v0 + d, v1 + d);
    }
  }, { passive: false });

  var drag = null, dragged = false;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0 || !inPlot(e.clientX)) return;
    drag = { x: e.clientX, v0: v0, v1: v1, id: e.pointerId, scale: W / svg.getBoundingClientRect().width };
    dragged = false;
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    var dx = (e.clientX - drag.x) * drag.scale;
    // A few px of wobble is still a click on a marker's link.
    if (!dragged && Math.abs(dx) < 4) return;
    if (!dragged) { dragged = true; svg.setPointerCapture(drag.id); svg.classList.add("dragging"); }
    var d = (-dx * (drag.v1 - drag.v0)) / (R - L);
    setView(drag.v0 + d, drag.v1 + d);
  });
  function endDrag() { drag = null; svg.classList.remove("dragging"); }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  svg.addEventListener("click", function (e) {
    if (dragged) { e.preventDefault(); e.stopPropagation(); dragged = false; }
  }, true);

  bar.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-zoom]");
    if (!b) return;
    if (b.dataset.zoom === "in") zoom(0.5);
    else if (b.dataset.zoom === "out") zoom(2);
    else setView(0, SPAN);
  });

  // "show on timeline" lands on a marker: bring it into a zoomed view.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !svg.contains(target)) return;
    var mark = target.matches("[data-at]") ? target : target.querySelector("[data-at]");
    if (!mark) return;
    var at = +mark.dataset.at;
    if (at < v0 || at > v1) setView(at - (v1 - v0) / 2, at + (v1 - v0) / 2);
  }
  window.addEventListener("hashchange", reveal);

  bar.hidden = false;
  svg.classList.add("zoomable");
  place();
`;

/** The page's only script: the tick arithmetic, then the zoom and pan behaviour, in one scope. */
export const ZOOM_SCRIPT = `(function () {${TICKS_JS}${MAIN_JS}})();`;

/** The zoom controls above the timeline, hidden until the script shows them. */
export function zoomControls(): string {
  return `<div class="zoom" hidden>
<button type="button" data-zoom="in" title="zoom in (ctrl + wheel over the plot)">+</button>
<button type="button" data-zoom="out" title="zoom out">\u2212</button>
<button type="button" data-zoom="reset" title="show the whole run">reset</button>
<output class="zoom-view" aria-live="polite"></output>
<span class="hint">ctrl + wheel zooms at the pointer; drag (or shift + wheel) pans</span>
</div>`;
}
