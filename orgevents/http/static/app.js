// orgevents — the page. No build step, no framework.
//
// Safety: every piece of stored text reaches the page through textContent or DOM attributes set
// by code, never as HTML. Charts are fetched from the same origin as SVG text, parsed with
// DOMParser as SVG (not HTML), and kept only if every element is on an allow-list of drawing
// elements, with event-handler, style and link attributes removed; the page's
// Content-Security-Policy (script-src 'self') would block an inline script in any case.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const DAY = 24 * 60 * 60 * 1000;
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const SVG_NS = "http://www.w3.org/2000/svg";
  const SVG_ELEMENTS = new Set([
    "svg", "g", "title", "desc", "path", "polygon", "polyline", "ellipse", "circle", "rect",
    "line", "text", "tspan", "a", "defs", "lineargradient", "radialgradient", "stop",
  ]);

  const state = {
    mode: "chart", at: "", from: "", to: "", id: "", q: "", planned: false, knownAt: "",
  };
  let dates = [];
  let zoom = null; // null: automatic
  let natural = { width: 0, height: 0 };
  let chartSeq = 0;
  let panelSeq = 0;
  let changesSeq = 0;
  let redrawTimer = 0;
  // dates.js, provenance.js, changelist.js: typed dates, the slider, sources, the change list
  const typed = {};
  let timeline = null;
  let changeList = null;

  // --- small DOM helpers -------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Append the children that are there (null, undefined and false are left out).
  function add(target, ...children) {
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) target.append(child);
    }
    return target;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text || "";
    status.classList.toggle("error", Boolean(isError));
  }

  // --- dates -------------------------------------------------------------------------------

  function isoToday() {
    const now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }

  function validDate(text) {
    return OrgDates.valid(text);
  }

  function shiftDate(text, days) {
    return new Date(Date.parse(text + "T00:00:00Z") + days * DAY).toISOString().slice(0, 10);
  }

  function longDate(text) {
    if (!validDate(text)) return text || "";
    const [y, m, d] = text.split("-").map(Number);
    return `${d} ${MONTHS[m - 1]} ${y}`;
  }

  // The last change date on or before `text` (its index), or -1.
  function dateIndex(text) {
    let found = -1;
    dates.forEach((d, i) => { if (d <= text) found = i; });
    return found;
  }

  // --- the URL carries the state -----------------------------------------------------------

  function readUrl() {
    const p = new URLSearchParams(location.search);
    state.mode = ["chart", "diff", "graph"].includes(p.get("mode")) ? p.get("mode") : "chart";
    state.at = validDate(p.get("at")) ? p.get("at") : "";
    state.from = validDate(p.get("from")) ? p.get("from") : "";
    state.to = validDate(p.get("to")) ? p.get("to") : "";
    state.id = (p.get("id") || "").slice(0, 200);
    state.q = (p.get("q") || "").slice(0, 200);
    state.planned = p.get("planned") === "1";
    state.knownAt = (p.get("known_at") || "").slice(0, 40);
    window.OrgNav.readUrl(p);
    window.OrgCompare.readUrl(p);
  }

  function writeUrl(push) {
    const p = new URLSearchParams();
    if (state.mode !== "chart") p.set("mode", state.mode);
    if (state.mode === "diff") {
      p.set("from", state.from);
      p.set("to", state.to);
    }
    if (state.at) p.set("at", state.at); // the chosen date survives a visit to the changes
    if (state.id) p.set("id", state.id);
    if (state.q) p.set("q", state.q);
    if (state.planned) p.set("planned", "1");
    if (state.knownAt) p.set("known_at", state.knownAt);
    window.OrgNav.writeUrl(p);
    window.OrgCompare.writeUrl(p);
    const url = `${location.pathname}?${p.toString()}`;
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  // --- the API -----------------------------------------------------------------------------

  function apiUrl(path, params) {
    const p = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (Array.isArray(value)) value.forEach((v) => p.append(key, v));
      else if (value !== "" && value !== null && value !== undefined) p.set(key, value);
    }
    if (state.knownAt) p.set("known_at", state.knownAt);
    if (state.planned) p.set("include_planned", "true");
    const query = p.toString();
    return query ? `${path}?${query}` : path;
  }

  async function api(path, params) {
    const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(await problem(response));
    return response.json();
  }

  async function problem(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
      if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    } catch (_) { /* not JSON */ }
    return `${response.status} ${response.statusText}`;
  }

  // --- charts: fetched as SVG text, parsed as SVG, cleaned, inserted -----------------------

  function chartRequest() {
    if (state.mode === "diff") {
      return { path: "/api/charts/changes",
        params: { from: state.from, to: state.to, ...window.OrgNav.chartParams() },
        title: `Changes after ${longDate(state.from)} up to ${longDate(state.to)}` };
    }
    if (state.mode === "graph") {
      return { path: "/api/charts/responsibilities", params: { at: state.at },
        title: `Responsibilities on ${longDate(state.at)}` };
    }
    return { path: "/api/charts/org", params: { at: state.at, ...window.OrgNav.chartParams() },
      title: `Organisation on ${longDate(state.at)}` };
  }

  function cleanSvg(text) {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const root = doc.documentElement;
    if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg" ||
        doc.getElementsByTagName("parsererror").length) {
      throw new Error("the chart is not a valid SVG image");
    }
    for (const node of Array.from(root.querySelectorAll("*")).concat([root])) {
      if (node.namespaceURI !== SVG_NS || !SVG_ELEMENTS.has(node.localName.toLowerCase())) {
        node.remove();
        continue;
      }
      for (const attr of Array.from(node.attributes)) {
        const name = attr.name.toLowerCase();
        if (name.startsWith("on") || name === "style" || name.endsWith("href")) {
          node.removeAttribute(attr.name);
        }
      }
    }
    return document.importNode(root, true);
  }

  async function drawChart() {
    const seq = ++chartSeq;
    const request = chartRequest();
    $("chart-title").textContent = request.title;
    for (const fmt of ["svg", "png", "dot"]) {
      const link = $(`dl-${fmt}`);
      link.href = apiUrl(`${request.path}.${fmt}`, request.params);
    }
    if (state.mode === "diff" && !(state.from < state.to)) {
      clear($("chart")).append(el("p", { class: "empty", text: "Choose a first date before the second." }));
      return;
    }
    setStatus("Drawing…");
    try {
      const response = await fetch(apiUrl(`${request.path}.svg`, request.params));
      if (!response.ok) throw new Error(await problem(response));
      const text = await response.text();
      if (seq !== chartSeq) return;
      const svg = cleanSvg(text);
      natural = {
        width: svg.viewBox.baseVal ? svg.viewBox.baseVal.width * 4 / 3 : 800,
        height: svg.viewBox.baseVal ? svg.viewBox.baseVal.height * 4 / 3 : 600,
      };
      svg.removeAttribute("width");
      svg.removeAttribute("height");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", request.title);
      const chart = $("chart");
      const fresh = !chart.querySelector("svg") || chart.dataset.kind !== request.path;
      const [left, top] = [chart.scrollLeft, chart.scrollTop];
      clear(chart).append(svg);
      chart.dataset.kind = request.path;
      applyZoom();
      markSelected();
      centre(chart, fresh, left, top);
      window.OrgNav.drawn(chart, fresh);
      window.OrgCompare.draw();
      setStatus("");
    } catch (err) {
      if (seq !== chartSeq) return;
      clear($("chart")).append(el("p", { class: "empty error", text: `No chart: ${err.message}` }));
      setStatus("");
    }
  }

  // A fresh chart shows its selected unit, or else the top of the chart in the middle; a
  // redrawn one (another date) keeps its place.
  function centre(chart, fresh, left, top) {
    if (!fresh) {
      [chart.scrollLeft, chart.scrollTop] = [left, top];
      return;
    }
    const selected = chart.querySelector("g.node.selected");
    if (selected) {
      const box = selected.getBoundingClientRect();
      const view = chart.getBoundingClientRect();
      chart.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
      chart.scrollTop += box.top + box.height / 2 - (view.top + view.height / 2);
    } else {
      chart.scrollLeft = (chart.scrollWidth - chart.clientWidth) / 2;
      chart.scrollTop = 0;
    }
  }

  // The natural size: the smallest text of a chart (8 pt) is 10.7 px; a wider chart scrolls,
  // and is opened or focused (navigation.js) rather than shrunk unreadable.
  function autoZoom() {
    return 1;
  }

  function applyZoom() {
    const svg = $("chart").querySelector("svg");
    if (!svg) return;
    const scale = zoom === null ? autoZoom() : zoom;
    svg.style.width = `${Math.round(natural.width * scale)}px`;
    svg.style.height = `${Math.round(natural.height * scale)}px`;
  }

  function setZoom(next) {
    zoom = Math.min(2.5, Math.max(0.15, next));
    applyZoom();
  }

  function nodeKey(group) {
    const title = group.querySelector(":scope > title");
    const key = title ? title.textContent.trim() : "";
    if (!key || key.startsWith("_") || key.startsWith("cluster")) return "";
    return key.startsWith("r_") ? key.slice(2) : key;
  }

  function markSelected() {
    for (const group of $("chart").querySelectorAll("g.node")) {
      const key = nodeKey(group);
      group.classList.toggle("selected", Boolean(key) && key === state.id);
      group.classList.toggle("clickable", Boolean(key));
    }
  }

  // --- changes on the chosen date, or between the two dates --------------------------------

  async function loadChanges() {
    const seq = ++changesSeq;
    let start, end, title;
    if (state.mode === "diff") {
      [start, end] = [state.from, state.to];
      title = `What changed after ${longDate(start)} up to ${longDate(end)}`;
    } else {
      const i = dateIndex(state.at);
      if (i < 0) {
        $("changes-title").textContent = "Nothing is recorded as taking effect by this date";
        changeList.clear();
        return;
      }
      end = dates[i];
      start = shiftDate(end, -1);
      title = end === state.at ? `Changes taking effect on ${longDate(end)}`
        : `Latest changes before this date: ${longDate(end)}`;
    }
    $("changes-title").textContent = title;
    if (seq === changesSeq) await changeList.show(start, end);
  }

  function sourceList(sources) {
    return OrgProvenance.sourceList(sources, ui);
  }

  // A date as a link: the organisation on that date.
  function dateLink(date, text) {
    if (!validDate(date)) return el("span", { text: text || date || "" });
    return el("button", { type: "button", class: "link date", text: text || date,
      title: `The organisation on ${longDate(date)}`, onclick: () => goTo(date) });
  }

  function goTo(date) {
    window.OrgNav.toChart();
    const leaving = state.mode === "diff";
    if (leaving) state.mode = "chart";
    setAt(date, true);
    if (leaving) renderAll();
  }

  // "1995-01-03/1996-12-31 (uncertain: counted from 1995-01-03)": the date as written, and the
  // counting rule's note (README, "Dates known only roughly") on a line of its own
  const COUNTED = " (uncertain: counted from ";

  function changeItem(change, options) {
    const effective = change.effective || "";
    const cut = effective.indexOf(COUNTED);
    const when = cut < 0 ? effective : effective.slice(0, cut).replace("/", "/\u200b");
    const counted = cut < 0 ? null : effective.slice(cut + 2, -1);
    const item = el("li", { class: `change${change.details && change.details.planned ? " planned" : ""}` },
      el("div", { class: "change-head" },
        el("span", { class: counted ? "when counted" : "when" }, dateLink(change.effective_date, when)),
        el("span", { class: "what", text: change.summary })),
      el("div", { class: "change-meta" },
        counted ? el("span", { class: "counted", text: counted }) : null,
        el("span", { class: "type", text: change.type }),
        change.decision && change.decision !== (options && options.inDecision) ? el("span", { class: "decision" }, "implements ",
          el("button", { type: "button", class: "link", text: change.details.decision_title || change.decision,
            title: `The decision ${change.decision}: what it decided and every change that implements it`,
            onclick: () => select(change.decision, true) })) : null,
        options && options.recorded ? el("span", { class: "recorded",
          text: `recorded ${String(change.recorded_at).replace("T", " ").slice(0, 16)} UTC by ${change.recorded_by}` }) : null,
        options && options.subjectLink && change.subject && change.subject.id
          ? el("button", { type: "button", class: "link", text: "details",
            onclick: () => select(change.subject.id, true) }) : null),
      sourceList(change.sources));
    return item;
  }

  // --- the side panel ----------------------------------------------------------------------

  function panel() {
    return clear($("panel-body"));
  }

  function unitButton(id, label) {
    return el("button", { type: "button", class: "link", text: label || id,
      onclick: () => select(id, true) });
  }

  async function showDetails() {
    const seq = ++panelSeq;
    if (!state.id) return;
    const at = state.mode === "diff" ? state.to : state.at;
    const body = panel();
    body.append(el("p", { class: "hint", text: "Loading…" }));
    try {
      const [item, changes] = await Promise.all([
        api(`/api/show/${encodeURIComponent(state.id)}`, { at }),
        api(`/api/history/${encodeURIComponent(state.id)}`),
      ]);
      if (seq !== panelSeq) return;
      const target = panel();
      add(target, el("button", { type: "button", class: "close", title: "Close",
        "aria-label": "Close the details", text: "×",
        onclick: () => { state.id = ""; writeUrl(true); markSelected(); showHint(); } }));
      if (item.type === "decision" || item.type === "document") {
        OrgProvenance.details(target, item, ui);
        return;
      }
      if (item.type === "unit") unitDetails(target, item, at);
      else responsibilityDetails(target, item, at);
      const span = OrgDates.lifespan(item.lives, dates, at, el, dateLink);
      const heading = target.querySelector("h2.name");
      if (span && heading) (heading.nextElementSibling || heading).after(span); // under the name
      add(target, el("h3", { text: "History" }),
        el("ol", { class: "change-list history" }, changes.map((c) => changeItem(c, { recorded: true }))));
    } catch (err) {
      if (seq !== panelSeq) return;
      panel().append(el("p", { class: "error", text: err.message }));
    }
  }

  // A unit or responsibility that ended and was established again: each life with its names.
  function lives(target, found) {
    if (!found || found.length < 2) return;
    add(target, el("h3", { text: `Lives (${found.length})` }),
      el("ul", { class: "plain lives" }, found.map((life) =>
        el("li", {}, el("span", { class: "label", text: `${life.from} – ${life.until || ""} ` }),
          life.names.join("; ")))));
  }

  // A unit's other names (official, short, abbreviation, alternative; per language), each with
  // its validity; those that hold on the date first.
  function otherNames(target, names, at) {
    if (!names || !names.length) return;
    const holds = (n) => n.from_date <= at && (!n.until_date || n.until_date > at);
    const ordered = [...names.filter(holds), ...names.filter((n) => !holds(n))];
    add(target, el("h3", { text: "Other names" }),
      el("ul", { class: "names" }, ordered.map((n) =>
        el("li", { class: holds(n) ? "current" : "former" },
          el("div", { text: n.name }),
          el("div", { class: "label",
            text: `${n.form}${n.language ? ` · ${n.language}` : ""} · ${n.from} – ${n.until || ""}` })))));
  }

  function unitDetails(target, u, at) {
    add(target,
      el("p", { class: "kind", text: `${kindLabel(u.kind)} · ${u.id}` }),
      el("h2", { class: "name", text: u.name }),
      u.abbreviation ? el("p", { class: "abbr", text: u.abbreviation }) : null,
      u.in_force ? null : el("p", { class: "warning", text: `Not in force on ${longDate(at)}.` }),
      u.planned_end ? el("p", { text: `Planned to end: ${u.planned_end}` }) : null);
    if (u.chain && u.chain.length) {
      add(target, el("p", { class: "label chain-label", text: "Under" }),
        el("ol", { class: "chain" }, u.chain.map((c, i) =>
          el("li", {}, i ? el("span", { class: "label", text: "in " }) : null, unitButton(c.id, c.name)))));
    }
    if (u.former_names && u.former_names.length) {
      add(target, el("p", { class: "former" }, el("span", { class: "label", text: "Also known as: " }),
        u.former_names.join("; ")));
    }
    lives(target, u.lives);
    otherNames(target, u.names, u.at);
    if (u.children && u.children.length) {
      add(target, el("h3", { text: `Units below (${u.children.length})` }),
        el("ul", { class: "plain" }, u.children.map((c) => {
          const button = unitButton(c, c);
          button.dataset.unit = c;
          return el("li", {}, button);
        })));
      fillNames(target, at);
    }
    add(target, el("h3", { text: "Responsibilities" }));
    if (u.responsibilities && u.responsibilities.length) {
      add(target, el("ul", { class: "plain" }, u.responsibilities.map((r) =>
        el("li", {}, el("span", { class: `role ${r.role}`, text: r.role }), " ", unitButton(r.id, r.name)))));
    } else {
      add(target, el("p", { class: "hint", text: "None on this date." }));
    }
    if (u.figures && u.figures.length) {
      add(target, el("h3", { text: "Figures" }),
        el("ul", { class: "figures" }, u.figures.map((f) =>
          el("li", {},
            el("span", { class: "figure", text: f.summary }),
            f.text ? el("q", { text: f.text }) : null,
            sourceList(f.sources)))));
    }
    claims(target, u.claims);
  }

  async function fillNames(target, at) {
    try {
      const units = await api("/api/units", { at });
      const names = new Map(units.map((v) => [v.id, v.name]));
      for (const button of target.querySelectorAll("button[data-unit]")) {
        const name = names.get(button.dataset.unit);
        if (name) button.textContent = name;
      }
    } catch (_) { /* ids stay */ }
  }

  function responsibilityDetails(target, r, at) {
    add(target,
      el("p", { class: "kind", text: `responsibility · ${r.id}` }),
      el("h2", { class: "name", text: r.name }),
      r.abbreviation ? el("p", { class: "abbr", text: r.abbreviation }) : null,
      r.in_force ? null : el("p", { class: "warning", text: `Not in force on ${longDate(at)}.` }),
      r.scope ? el("p", { class: "scope", text: r.scope }) : null,
      r.legal_basis ? el("p", {}, el("span", { class: "label", text: "Legal basis: " }), r.legal_basis) : null);
    lives(target, r.lives);
    add(target, el("h3", { text: `Who holds it on ${longDate(at)}` }));
    if (r.holders && r.holders.length) {
      add(target, el("ul", { class: "holders" }, r.holders.map((h) => el("li", {},
        el("span", { class: `role ${h.role}`, text: h.role }), " ",
        unitButton(h.unit.id, h.unit.name),
        h.since ? el("span", { class: "since", text: ` since ${h.since}` }) : null,
        h.chain && h.chain.length
          ? el("div", { class: "chain small", text: h.chain.map((c) => c.name).join(" → ") }) : null))));
    } else {
      add(target, el("p", { class: "hint", text: "Nobody holds it on this date." }));
    }
    claims(target, r.claims);
  }

  function claims(target, items) {
    if (!items || !items.length) return;
    add(target, el("h3", { text: "Where the sources disagree" }));
    add(target, el("ul", { class: "claims" }, items.map((c) => el("li", {},
      el("span", { class: "what", text: c.property || c.kind || "claim" }),
      el("ul", { class: "plain" }, (c.claims || []).map((v) => el("li", {},
        el("span", { class: "value", text: (v.approximate ? "ca. " : "") + (typeof v.value === "string" ? v.value : JSON.stringify(v.value)) }),
        v.preferred ? el("span", { class: "preferred", text: " (preferred)" }) : null,
        sourceList(v.sources))))))));
  }

  function showHint() {
    panel().append(el("p", { class: "hint",
      text: "Click a unit in the chart, or find one by name, to see its details, responsibilities, figures and history — every change with its sources." }));
  }

  // --- search ------------------------------------------------------------------------------

  // How a result matched, as `orgevents find` prints it: "former name", "exact id", "quote".
  function how(f) {
    const field = (f.field || "name").replace("_", " ");
    const when = f.when && !(f.rank === 0 && f.when === "current") ? `${f.when} ` : "";
    return `${f.rank === 0 ? "exact " : ""}${when}${field}`;
  }

  async function search() {
    const seq = ++panelSeq;
    const body = panel();
    body.append(el("p", { class: "hint", text: "Searching…" }));
    try {
      const at = state.mode === "diff" ? state.to : state.at;
      const found = await api("/api/find", { q: state.q, at });
      if (seq !== panelSeq) return;
      const target = panel();
      add(target, el("h2", { text: `Found for “${state.q}”` }));
      if (!found.length) add(target, el("p", { class: "hint", text: "Nothing matches these words." }));
      add(target, el("ul", { class: "results" }, found.map((f) => el("li", {},
        el("button", { type: "button", class: "result", onclick: () => select(f.id, true) },
          el("span", { class: "name", text: f.name }),
          f.abbreviation ? el("span", { class: "abbr", text: ` (${f.abbreviation})` }) : null,
          el("span", { class: "kind", text: ` ${f.type}` })),
        f.matched && f.matched !== f.name && f.matched !== f.abbreviation
          ? el("div", { class: `matched ${f.when || ""}`, text: `${how(f)}: ${f.matched}` }) : null))));
    } catch (err) {
      if (seq === panelSeq) panel().append(el("p", { class: "error", text: err.message }));
    }
  }

  // --- reacting to the controls ------------------------------------------------------------

  function select(id, push) {
    state.id = id;
    state.q = "";
    writeUrl(push);
    markSelected();
    showDetails();
    window.OrgNav.selected(id);
  }

  function syncControls() {
    for (const mode of ["chart", "diff", "graph"]) {
      $(`mode-${mode}`).setAttribute("aria-pressed", String(state.mode === mode));
    }
    $("at-controls").hidden = state.mode === "diff";
    $("diff-controls").hidden = state.mode !== "diff";
    typed.at.set(state.at);
    typed.from.set(state.from);
    typed.to.set(state.to);
    typed.knownAt.set(validDate(state.knownAt) ? state.knownAt : "");
    $("known-at-clear").hidden = !state.knownAt;
    timeline.show(state.at, longDate);
    $("planned").checked = state.planned;
    $("q").value = state.q;
    $("known-at").hidden = !state.knownAt;
    $("known-at").textContent = state.knownAt ? `as recorded up to ${state.knownAt}` : "";
    window.OrgCompare.sync();
  }

  function renderAll() {
    syncControls();
    drawChart();
    loadChanges();
    if (state.q) search();
    else if (state.id) showDetails();
    else showHint();
  }

  function scheduleRedraw() {
    clearTimeout(redrawTimer);
    redrawTimer = setTimeout(() => { drawChart(); loadChanges(); if (state.id) showDetails(); }, 120);
  }

  function buildTicks() {
    timeline.build(dates, longDate);
  }

  function setAt(date, push) {
    clearProblem();
    state.at = date;
    writeUrl(push);
    syncControls();
    scheduleRedraw();
  }

  function defaultDiff() {
    const around = OrgDates.around(state.at || isoToday(), dates);
    state.to = state.to || around.to;
    state.from = state.from || around.from;
  }

  // Dates in the address that are not dates: said, and nothing drawn for a date put in their
  // place, until a date is chosen.
  function reportProblem(bad) {
    const text = `The address asks for ${bad.map(([name, why]) => `${name}=${why}`).join("; ")}. Choose a date.`;
    $("date-problem").textContent = text;
    $("date-problem").hidden = false;
    clear($("chart")).append(el("p", { class: "empty error", text: `No chart: ${text}` }));
  }

  function clearProblem() {
    $("date-problem").hidden = true;
  }

  function wire() {
    timeline = OrgDates.timeSlider($("slider"), $("ticks"), el, (date, push) => setAt(date, push));
    typed.at = OrgDates.applyOnCommit($("date"), (value) => { if (value) setAt(value, true); });
    for (const name of ["from", "to"]) {
      typed[name] = OrgDates.applyOnCommit($(name), (value) => {
        if (!value) return;
        clearProblem();
        state[name] = value;
        writeUrl(true);
        scheduleRedraw();
      });
    }
    const knownAt = (value) => {
      state.knownAt = value;
      writeUrl(true);
      syncControls();
      loadDates().then(renderAll);
    };
    typed.knownAt = OrgDates.applyOnCommit($("known-at-date"), knownAt);
    $("known-at-clear").addEventListener("click", () => knownAt(""));
    $("planned").addEventListener("change", (e) => {
      state.planned = e.target.checked;
      writeUrl(true);
      loadDates().then(renderAll);
    });
    for (const mode of ["chart", "diff", "graph"]) {
      $(`mode-${mode}`).addEventListener("click", () => {
        if (state.mode === mode) return;
        const leaving = state.mode;
        state.mode = mode;
        if (mode === "diff") {
          state.from = "";
          state.to = "";
          defaultDiff();
        } else if (leaving === "diff") {
          state.at = state.at || state.to || isoToday();
        }
        zoom = null;
        writeUrl(true);
        renderAll();
      });
    }
    $("search").addEventListener("submit", (e) => {
      e.preventDefault();
      state.q = $("q").value.trim().slice(0, 200);
      if (!state.q) return;
      state.id = "";
      writeUrl(true);
      markSelected();
      search();
    });
    $("chart").addEventListener("click", (e) => {
      const group = e.target.closest ? e.target.closest("g.node") : null;
      if (!group) return;
      const key = nodeKey(group);
      if (key) select(key, true);
    });
    $("zoom-in").addEventListener("click", () => setZoom((zoom === null ? autoZoom() : zoom) * 1.25));
    $("zoom-out").addEventListener("click", () => setZoom((zoom === null ? autoZoom() : zoom) / 1.25));
    $("zoom-fit").addEventListener("click", () => {
      const width = $("chart").clientWidth - 16;
      setZoom(natural.width ? width / natural.width : 1);
    });
    dragToScroll($("chart"));
    window.addEventListener("popstate", () => { readUrl(); fillDefaults(); renderAll(); });
    window.addEventListener("resize", () => { if (zoom === null) applyZoom(); });
  }

  function dragToScroll(box) {
    let start = null;
    box.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      start = { x: e.clientX, y: e.clientY, left: box.scrollLeft, top: box.scrollTop, moved: false };
    });
    box.addEventListener("pointermove", (e) => {
      if (!start) return;
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      if (!start.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
      start.moved = true;
      box.classList.add("dragging");
      box.scrollLeft = start.left - dx;
      box.scrollTop = start.top - dy;
    });
    const stop = (e) => {
      if (start && start.moved) {
        e.preventDefault();
        const swallow = (c) => { c.stopPropagation(); c.preventDefault(); };
        box.addEventListener("click", swallow, { capture: true, once: true });
        setTimeout(() => box.removeEventListener("click", swallow, { capture: true }), 0);
      }
      start = null;
      box.classList.remove("dragging");
    };
    box.addEventListener("pointerup", stop);
    box.addEventListener("pointerleave", () => { start = null; box.classList.remove("dragging"); });
  }

  async function loadDates() {
    try {
      dates = await api("/api/dates");
    } catch (err) {
      dates = [];
      setStatus(`Could not load the dates: ${err.message}`, true);
    }
    buildTicks();
  }

  function fillDefaults() {
    if (!state.at) {
      // changes between dates asked without a date: the second is the chosen one
      state.at = state.mode === "diff" && state.to ? state.to : isoToday();
    }
    if (state.mode === "diff") defaultDiff();
  }

  // --- kinds of unit: named by their labels in the store's language (from /api/kinds) -----

  const kindLabels = new Map();

  async function loadKinds() {
    try {
      for (const k of await api("/api/kinds", {})) kindLabels.set(k.kind, k.label);
    } catch (err) {
      kindLabels.clear(); // the ids stand in for the labels
    }
  }

  function kindLabel(kind) {
    return kindLabels.get(kind) || kind;
  }

  // What the modules (dates.js, provenance.js, changelist.js) use of this page.
  const ui = { el, add, api, select, changeItem, dateLink, longDate };

  async function start() {
    window.OrgNav.init({
      state: () => state, api, select: (id) => select(id, true), writeUrl, redraw: drawChart, nodeKey,
      day: () => (state.mode === "diff" ? state.to : state.at), setZoom,
      scale: () => (zoom === null ? autoZoom() : zoom), relayout: () => { if (zoom === null) applyZoom(); },
    });
    const bad = OrgDates.badInAddress(new URLSearchParams(location.search), ["at", "from", "to", "known_at", "compare"]);
    readUrl();
    if (bad.some(([name]) => name === "known_at")) state.knownAt = "";
    wire();
    changeList = OrgChangeList.create(ui);
    window.OrgCompare.init({ ...ui, state: () => state, dates: () => dates, apiUrl, problem, cleanSvg,
      nodeKey, clearProblem, writeUrl, redraw: drawChart, scale: () => (zoom === null ? autoZoom() : zoom),
      select: (id) => select(id, true) });
    await Promise.all([loadDates(), loadKinds()]);
    if (bad.length) {
      syncControls();
      reportProblem(bad);
      return;
    }
    fillDefaults();
    writeUrl(false);
    renderAll();
  }

  start();
})();
