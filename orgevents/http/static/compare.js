// orgevents — two dates side by side: "compare with" a second date draws the organisation on
// that date beside the chart of the chosen date (same part, depth, opened boxes, "as recorded
// by" and planned changes). The second date is in the address (compare=YYYY-MM-DD), kept
// across views; on a phone the two charts stack in the Chart tab.
// Loaded before app.js, which hands it what it needs (no framework, no build).
"use strict";

window.OrgCompare = (() => {
  const $ = (id) => document.getElementById(id);
  let app = null;
  let compare = "";
  let seq = 0;
  let typed = null;

  function init(ui) {
    app = ui;
    typed = OrgDates.applyOnCommit($("compare-date"), (value) => set(value, true));
    $("compare-on").addEventListener("change", (e) => {
      set(e.target.checked ? (compare || before(app.state().at)) : "", true);
    });
    $("compare-chart").addEventListener("click", (e) => {
      const group = e.target.closest ? e.target.closest("g.node") : null;
      const key = group ? app.nodeKey(group) : "";
      if (key) app.select(key);
    });
    $("chart").addEventListener("scroll", follow, { passive: true });
  }

  // The second chart shows where the first is scrolled to (the two are mostly drawn alike).
  function follow() {
    if (!active()) return;
    $("compare-chart").scrollLeft = $("chart").scrollLeft;
    $("compare-chart").scrollTop = $("chart").scrollTop;
  }

  // Ids of its own: the two charts are drawn by Graphviz alike (node1, node2, …).
  function ownIds(svg) {
    for (const node of svg.querySelectorAll("[id]")) node.id = `compare-${node.id}`;
    for (const node of svg.querySelectorAll("[fill^='url(#'], [stroke^='url(#']")) {
      for (const name of ["fill", "stroke"]) {
        const value = node.getAttribute(name);
        if (value && value.startsWith("url(#")) node.setAttribute(name, value.replace("url(#", "url(#compare-"));
      }
    }
  }

  // The change date before the chosen one (or the day before it): the obvious comparison.
  function before(at) {
    const earlier = app.dates().filter((d) => d < at);
    if (earlier.length) return earlier[earlier.length - 1];
    return new Date(Date.parse(at + "T00:00:00Z") - 86400000).toISOString().slice(0, 10);
  }

  function set(value, push) {
    compare = value;
    app.clearProblem();
    app.writeUrl(push);
    sync();
    app.redraw(); // the chart of the chosen date, then this one beside it
  }

  function readUrl(params) {
    const value = params.get("compare");
    compare = OrgDates.valid(value) ? value : "";
  }

  function writeUrl(params) {
    if (compare) params.set("compare", compare);
  }

  function active() {
    return Boolean(compare) && app.state().mode === "chart";
  }

  function sync() {
    const on = active();
    $("compare-on").checked = Boolean(compare);
    typed.set(compare);
    document.body.classList.toggle("comparing", on);
    $("compare-col").hidden = !on;
    $("chart-caption").hidden = !on;
    $("chart-caption").textContent = on ? app.longDate(app.state().at) : "";
    $("compare-caption").textContent = on ? app.longDate(compare) : "";
  }

  // The second chart, drawn with the main chart's parameters but the second date.
  async function draw() {
    const mine = ++seq;
    sync();
    if (!active()) {
      $("compare-chart").replaceChildren();
      return;
    }
    const title = `Organisation on ${app.longDate(compare)}`;
    const box = $("compare-chart");
    try {
      const params = { ...window.OrgNav.chartParams(), at: compare };
      const response = await fetch(app.apiUrl("/api/charts/org.svg", params));
      if (!response.ok) throw new Error(await app.problem(response));
      const text = await response.text();
      if (mine !== seq) return;
      const svg = app.cleanSvg(text);
      ownIds(svg);
      const view = svg.viewBox.baseVal;
      const scale = app.scale();
      svg.removeAttribute("width");
      svg.removeAttribute("height");
      if (view && view.width) {
        svg.style.width = `${Math.round(view.width * 4 / 3 * scale)}px`;
        svg.style.height = `${Math.round(view.height * 4 / 3 * scale)}px`;
      }
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", title);
      box.replaceChildren(svg);
      follow();
    } catch (err) {
      if (mine !== seq) return;
      box.replaceChildren(app.el("p", { class: "empty error", text: `No chart: ${err.message}` }));
    }
  }

  return { init, readUrl, writeUrl, sync, draw };
})();
