// orgevents — finding one's way in a big chart, on a phone and by keyboard.
//
// app.js draws the page; this file adds what a big organisation needs: the part of the chart
// drawn (focus on a unit, how many levels, boxes opened below the cut — all in the URL), a
// selected unit brought into view and opened up to if the chart does not show it yet, zoom by
// Ctrl+wheel and pinch around the pointer, units reached with the keyboard (one Tab stop, arrow
// keys between units, Enter to choose) and the phone's tabs (chart / details / changes). The
// slider's labels are dates.js's. app.js calls the hooks below; nothing here writes stored text
// as HTML.
"use strict";

window.OrgNav = (() => {
  const $ = (id) => document.getElementById(id);
  const READABLE = 60; // boxes a chart starts with while no number of levels is chosen
  const ALL = 5000; // the API's largest max_units
  const PHONE = window.matchMedia("(max-width: 700px)");
  const part = { root: "", depth: "", expand: [] }; // depth "": readable, "all", or a number
  let app = null; // hooks from app.js
  let reveal = []; // a unit to bring into view when the next chart arrives, then its parents
  let asked = 0; // the latest request to open the way to a unit
  let opened = ""; // the unit last opened up to (once per unit, not on every redraw)

  // --- the part of the chart drawn, carried by the URL ------------------------------------

  function readUrl(params) {
    part.root = (params.get("root") || "").slice(0, 200);
    const depth = params.get("depth") || "";
    part.depth = depth === "all" || /^\d{1,2}$/.test(depth) ? depth : "";
    part.expand = (params.get("expand") || "").split(",").filter(Boolean).slice(0, 200);
  }

  function writeUrl(params) {
    if (part.root) params.set("root", part.root);
    if (part.depth) params.set("depth", part.depth);
    if (part.expand.length) params.set("expand", part.expand.join(","));
  }

  // The query a chart of the organisation (or of the changes) is drawn with.
  function chartParams() {
    const params = { root: part.root, expand: part.expand.slice() };
    if (part.depth === "all") params.max_units = ALL;
    else if (part.depth) Object.assign(params, { depth: part.depth, max_units: ALL });
    else params.max_units = READABLE;
    return params;
  }

  function change(next, push) {
    Object.assign(part, next);
    syncTools();
    app.writeUrl(push);
    app.redraw();
  }

  function syncTools() {
    const state = app.state();
    const charted = state.mode !== "graph";
    $("nav-tools").hidden = !charted;
    $("nav-depth").value = part.depth;
    $("nav-focus").disabled = !state.id || state.id === part.root || !nodeOf(state.id);
    $("nav-up").hidden = !part.root;
    $("nav-whole").hidden = !part.root && !part.expand.length;
  }

  async function up() {
    if (!part.root) return;
    try {
      const unit = await app.api(`/api/show/${encodeURIComponent(part.root)}`, { at: app.day() });
      const parent = unit.chain && unit.chain.length ? unit.chain[0].id : "";
      change({ root: parent, expand: [] }, true);
    } catch (err) {
      change({ root: "", expand: [] }, true);
    }
  }

  // --- bringing the selected unit into view ------------------------------------------------

  function nodeOf(id) {
    for (const group of $("chart").querySelectorAll("g.node.clickable")) {
      if (app.nodeKey(group) === id) return group;
    }
    return null;
  }

  function centreOn(group, smooth) {
    const chart = $("chart");
    const box = group.getBoundingClientRect();
    const view = chart.getBoundingClientRect();
    chart.scrollTo({
      left: chart.scrollLeft + box.left + box.width / 2 - (view.left + view.width / 2),
      top: chart.scrollTop + box.top + box.height / 2 - (view.top + view.height / 2),
      behavior: smooth ? "smooth" : "auto",
    });
  }

  // A unit was chosen (in the chart, the search results, the panel): a "+N below" box opens;
  // a unit the chart draws is centred; one it does not draw is opened up to (drawn()).
  function selected(id) {
    syncTools();
    if (!id) return;
    const charted = !id.startsWith("r_") && app.state().mode !== "graph";
    const group = nodeOf(id);
    if (charted && group && group.classList.contains("collapsed")) {
      if (!part.expand.includes(id)) {
        reveal = [id];
        change({ expand: part.expand.concat([id]) }, false);
      }
      return;
    }
    if (PHONE.matches) { // the details asked for, in the responsibilities too
      const keyboard = group && document.activeElement === group;
      showTab("details");
      if (keyboard) $("panel").focus({ preventScroll: true });
    }
    if (!charted) return;
    if (group) centreOn(group, true);
    else openTo(id);
  }

  // Open the boxes above a unit the chart does not draw (and leave a focus it is not under).
  async function openTo(id) {
    const seq = ++asked;
    opened = id;
    let chain;
    try {
      const unit = await app.api(`/api/show/${encodeURIComponent(id)}`, { at: app.day() });
      if (unit.type !== "unit" || !unit.in_force) return;
      chain = (unit.chain || []).map((c) => c.id);
    } catch (_) {
      return; // the panel says what went wrong
    }
    if (seq !== asked || app.state().id !== id) return;
    const next = {};
    const under = part.root && chain.includes(part.root);
    if (part.root && part.root !== id && !under) next.root = "";
    const above = under ? chain.slice(0, chain.indexOf(part.root) + 1) : chain;
    next.expand = part.expand.concat(above.filter((c) => !part.expand.includes(c)));
    reveal = [id].concat(chain);
    change(next, false);
  }

  // --- after each chart: units as keyboard stops, the selection in view ----------------------

  function drawn(chart, fresh) {
    const svg = chart.querySelector("svg");
    syncTools();
    if (!svg) return;
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-roledescription", "chart");
    const state = app.state();
    let first = null;
    let current = null;
    for (const group of chart.querySelectorAll("g.node.clickable")) {
      const words = Array.from(group.querySelectorAll("text"), (t) => t.textContent.trim()).filter(Boolean);
      const key = app.nodeKey(group);
      const collapsed = group.classList.contains("collapsed");
      group.setAttribute("role", "button");
      group.setAttribute("tabindex", "-1");
      group.setAttribute("aria-label", words.join(" ") || key);
      if (collapsed) group.setAttribute("aria-expanded", "false");
      if (key === state.id) {
        group.setAttribute("aria-current", "true");
        current = group;
      }
      first = first || group;
    }
    const stop = current || first;
    if (stop) stop.setAttribute("tabindex", "0");
    if (reveal.length) {
      const target = reveal.map(nodeOf).find(Boolean);
      if (target && target !== current) target.classList.add("holds-selected");
      reveal = [];
      if (target) centreOn(target, false);
    } else if (state.id && !current && opened !== state.id && state.mode !== "graph") {
      openTo(state.id); // chosen in the URL, or not drawn on this date
    } else if (fresh && !current && first && chart.scrollWidth > chart.clientWidth) {
      centreOn(first, false); // a wide chart opens on its first unit at the top, not on a gap
      chart.scrollTop = 0;
    }
  }

  // --- the keyboard in the chart: one Tab stop, arrows between units, Enter to choose -------

  function centreOf(group) {
    const box = group.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }

  // The unit nearest in a direction (arrow keys), preferring those straight ahead.
  function nearest(from, dx, dy) {
    const here = centreOf(from);
    let best = null;
    let bestScore = Infinity;
    for (const group of $("chart").querySelectorAll("g.node.clickable")) {
      if (group === from) continue;
      const there = centreOf(group);
      const ahead = (there.x - here.x) * dx + (there.y - here.y) * dy;
      if (ahead <= 1) continue;
      const aside = Math.abs((there.x - here.x) * dy) + Math.abs((there.y - here.y) * dx);
      const score = ahead + 3 * aside;
      if (score < bestScore) [best, bestScore] = [group, score];
    }
    return best;
  }

  function moveTo(group) {
    for (const other of $("chart").querySelectorAll('g.node[tabindex="0"]')) other.setAttribute("tabindex", "-1");
    group.setAttribute("tabindex", "0");
    group.focus({ preventScroll: true });
    const box = group.getBoundingClientRect();
    const view = $("chart").getBoundingClientRect();
    if (box.left < view.left || box.right > view.right || box.top < view.top || box.bottom > view.bottom) {
      centreOn(group, false);
    }
  }

  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function onKey(e) {
    const group = e.target.closest ? e.target.closest("g.node.clickable") : null;
    if (!group) {
      if (e.target === $("chart") && (e.key in ARROWS || e.key === "Enter")) {
        const stop = $("chart").querySelector('g.node[tabindex="0"]');
        if (stop && e.key === "Enter") {
          e.preventDefault();
          moveTo(stop);
        }
      }
      return;
    }
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const key = app.nodeKey(group);
      if (key) app.select(key);
    } else if (e.key in ARROWS) {
      e.preventDefault();
      const next = nearest(group, ...ARROWS[e.key]);
      if (next) moveTo(next);
    } else if (e.key === "Home" || e.key === "End") {
      e.preventDefault();
      const all = $("chart").querySelectorAll("g.node.clickable");
      if (all.length) moveTo(all[e.key === "Home" ? 0 : all.length - 1]);
    }
  }

  // --- zoom by Ctrl+wheel (a touchpad's pinch arrives as one) and by two fingers ------------

  function zoomAround(scale, clientX, clientY) {
    const chart = $("chart");
    const svg = chart.querySelector("svg");
    if (!svg) return;
    const before = svg.getBoundingClientRect();
    const fx = (clientX - before.left) / (before.width || 1);
    const fy = (clientY - before.top) / (before.height || 1);
    app.setZoom(scale);
    const after = svg.getBoundingClientRect();
    chart.scrollLeft += after.left + fx * after.width - clientX;
    chart.scrollTop += after.top + fy * after.height - clientY;
  }

  function wheel(e) {
    if (!e.ctrlKey && !e.metaKey) return; // a plain wheel scrolls
    e.preventDefault();
    zoomAround(app.scale() * Math.exp(-e.deltaY / 300), e.clientX, e.clientY);
  }

  function pinch(chart) {
    const touches = new Map();
    let start = null;
    const spread = () => {
      const [a, b] = Array.from(touches.values());
      return { d: Math.hypot(a.x - b.x, a.y - b.y) || 1, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    };
    chart.addEventListener("pointerdown", (e) => {
      if (e.pointerType !== "touch") return;
      touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (touches.size === 2) start = { ...spread(), scale: app.scale() };
    });
    chart.addEventListener("pointermove", (e) => {
      if (!touches.has(e.pointerId)) return;
      touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
      if (start && touches.size === 2) {
        const now = spread();
        zoomAround(start.scale * now.d / start.d, now.x, now.y);
      }
    });
    const lift = (e) => {
      touches.delete(e.pointerId);
      if (touches.size < 2) start = null;
    };
    for (const type of ["pointerup", "pointercancel", "pointerleave"]) chart.addEventListener(type, lift);
  }

  // --- the phone: one of chart, details and changes at a time --------------------------------

  function showTab(name) {
    document.body.dataset.tab = name;
    for (const tab of document.querySelectorAll("#tabs [data-tab]")) {
      tab.setAttribute("aria-pressed", String(tab.dataset.tab === name));
    }
    if (name === "chart") {
      const id = app.state().id;
      const group = id ? nodeOf(id) : null;
      if (group) centreOn(group, false);
      app.relayout();
    }
  }

  // On a phone, the chart: a date chosen from the details or the list of changes shows the
  // organisation on it.
  function toChart() {
    if (PHONE.matches && document.body.dataset.tab !== "chart") showTab("chart");
  }

  // --- wiring --------------------------------------------------------------------------------

  function init(hooks) {
    app = hooks;
    const chart = $("chart");
    chart.addEventListener("keydown", onKey);
    chart.addEventListener("wheel", wheel, { passive: false });
    pinch(chart);
    $("nav-focus").addEventListener("click", () => {
      const id = app.state().id;
      if (id) change({ root: id, expand: [] }, true);
    });
    $("nav-up").addEventListener("click", up);
    $("nav-whole").addEventListener("click", () => change({ root: "", expand: [] }, true));
    $("nav-depth").addEventListener("change", (e) => change({ depth: e.target.value, expand: [] }, true));
    for (const link of document.querySelectorAll("a.skip")) { // focus moves; the URL stays
      link.addEventListener("click", (e) => {
        e.preventDefault();
        const target = $(link.getAttribute("href").slice(1));
        if (PHONE.matches) showTab(target.id === "panel" ? "details" : "chart");
        target.focus();
      });
    }
    for (const tab of document.querySelectorAll("#tabs [data-tab]")) {
      tab.addEventListener("click", () => showTab(tab.dataset.tab));
    }
    $("search").addEventListener("submit", () => { if (PHONE.matches) showTab("details"); });
    showTab("chart");
  }

  return { init, readUrl, writeUrl, chartParams, selected, drawn, toChart };
})();
