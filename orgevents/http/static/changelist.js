// orgevents — the list of changes as data: grouped by date, filtered by type and decision,
// searched, paged — each page one question to /api/diff (type, decision, q, offset, limit),
// which also offers the filters' choices for the whole range.
"use strict";

window.OrgChangeList = (() => {
  const PAGE = 50;

  function create(ui) {
    const list = document.getElementById("changes-list");
    const tools = document.getElementById("changes-tools");
    const filters = { q: "", type: "", decision: "", offset: 0 };
    let range = null;
    let seq = 0;
    let timer = 0;

    const search = ui.el("input", { type: "search", id: "changes-q", placeholder: "Search the changes",
      "aria-label": "Search the changes (summary, names, sources, quotes)" });
    const type = ui.el("select", { id: "changes-type", "aria-label": "Type of change" });
    const decision = ui.el("select", { id: "changes-decision", "aria-label": "Decision the changes implement" });
    const count = ui.el("span", { id: "changes-count", class: "count", role: "status" });
    const prev = ui.el("button", { type: "button", id: "changes-prev", text: "‹ Earlier",
      "aria-label": "Earlier changes", title: "The previous page of changes" });
    const next = ui.el("button", { type: "button", id: "changes-next", text: "Later ›",
      "aria-label": "Later changes", title: "The next page of changes" });
    tools.append(search, type, decision, ui.el("span", { class: "pager" }, prev, count, next));

    const refilter = () => { filters.offset = 0; load(); };
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { filters.q = search.value.trim(); refilter(); }, 250);
    });
    search.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      clearTimeout(timer);
      filters.q = search.value.trim();
      refilter();
    });
    type.addEventListener("change", () => { filters.type = type.value; refilter(); });
    decision.addEventListener("change", () => { filters.decision = decision.value; refilter(); });
    prev.addEventListener("click", () => { filters.offset = Math.max(0, filters.offset - PAGE); load(); });
    next.addEventListener("click", () => { filters.offset += PAGE; load(); });

    function options(select, all, choices, current) {
      while (select.firstChild) select.removeChild(select.firstChild);
      select.append(ui.el("option", { value: "", text: all }));
      for (const [value, text] of choices) select.append(ui.el("option", { value, text }));
      select.value = choices.some(([v]) => v === current) ? current : "";
    }

    // Changes grouped under their effective date (a date is a link to the chart on it).
    function grouped(changes) {
      const days = [];
      for (const c of changes) {
        const key = c.effective_date;
        if (!days.length || days[days.length - 1].key !== key) days.push({ key, shown: c.effective, items: [] });
        days[days.length - 1].items.push(c);
      }
      return days.map((d) => ui.el("li", { class: "day" },
        ui.el("h3", { class: "day-head" }, ui.dateLink(d.key, ui.longDate(d.key)),
          ui.el("span", { class: "n", text: ` · ${d.items.length} change${d.items.length === 1 ? "" : "s"}` })),
        ui.el("ol", { class: "change-list" }, d.items.map((c) => ui.changeItem(c, { subjectLink: true })))));
    }

    async function load() {
      const mine = ++seq;
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!range || !(range.from < range.to)) {
        tools.hidden = true;
        return;
      }
      try {
        const body = await ui.api("/api/diff", { from: range.from, to: range.to, q: filters.q,
          type: filters.type, decision: filters.decision, offset: filters.offset, limit: PAGE });
        if (mine !== seq) return;
        const total = body.total || 0;
        const all = Object.values(body.types || {}).reduce((a, b) => a + b, 0);
        tools.hidden = all <= 1;
        options(type, `All types (${all})`, Object.entries(body.types || {}).map(([t, n]) => [t, `${t} (${n})`]), filters.type);
        options(decision, "All decisions", (body.decisions || []).map((d) => [d.id, `${d.title || d.id} (${d.count})`]), filters.decision);
        decision.hidden = !(body.decisions || []).length;
        const first = total ? filters.offset + 1 : 0;
        count.textContent = `${first}–${filters.offset + body.changes.length} of ${total.toLocaleString("en")}`;
        prev.disabled = filters.offset === 0;
        next.disabled = filters.offset + body.changes.length >= total;
        for (const node of grouped(body.changes)) list.append(node);
        if (!body.changes.length) {
          list.append(ui.el("li", { class: "empty", text: all ? "No change matches these filters." : "No changes." }));
        }
      } catch (err) {
        if (mine === seq) list.append(ui.el("li", { class: "error", text: err.message }));
      }
    }

    // Show the changes effective after `from` up to `to`; a new range keeps the filters and
    // starts at the first page.
    function show(from, to) {
      if (!range || range.from !== from || range.to !== to) filters.offset = 0;
      range = { from, to };
      return load();
    }

    return { show, clear: () => { range = null; return load(); } };
  }

  return { create };
})();
