// orgevents — provenance on the page: every source names its document (a button that opens the
// document's own view) and links to where the document is when that is a web address; a
// decision and a document each have a view of their own in the side panel.
//
// A link is made only from an http(s) address the server marked safe (`url`), checked again
// here; every text goes in as text (app.js's `el`).
"use strict";

window.OrgProvenance = (() => {
  // The address when it is http or https, else null (javascript:, data:, file names: never).
  function webAddress(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function outLink(url, ui, text) {
    const href = webAddress(url);
    if (!href) return null;
    return ui.el("a", { class: "out", href, target: "_blank", rel: "noopener noreferrer",
      title: `Open the document: ${href}`, text: text || "open ↗" });
  }

  function sourceList(sources, ui) {
    if (!sources || !sources.length) return null;
    return ui.el("ul", { class: "sources" }, sources.map((s) =>
      ui.el("li", {},
        ui.el("button", { type: "button", class: "link doc", text: s.title || s.document,
          title: `The document ${s.document}: everything that cites it`,
          onclick: () => ui.select(s.document, true) }),
        s.locator ? ui.el("span", { class: "loc", text: ` — ${s.locator}` }) : null,
        s.url ? " " : null, outLink(s.url, ui),
        s.quote ? ui.el("q", { text: s.quote }) : null)));
  }

  function changes(title, list, ui, decision) {
    if (!list || !list.length) return [];
    return [ui.el("h3", { text: `${title} (${list.length})` }),
      ui.el("ol", { class: "change-list history" },
        list.map((c) => ui.changeItem(c, { subjectLink: true, inDecision: decision })))];
  }

  function details(target, item, ui) {
    if (item.type === "decision") {
      const by = item.body ? ui.el("button", { type: "button", class: "link", text: item.body.name,
        onclick: () => ui.select(item.body.id, true) }) : item.body_name;
      ui.add(target,
        ui.el("p", { class: "kind", text: `decision · ${item.kind} · ${item.id}` }),
        ui.el("h2", { class: "name", text: item.title }),
        ui.el("p", {}, ui.el("span", { class: "label", text: "Made " }), ui.dateLink(item.effective_date, item.effective),
          by ? [ui.el("span", { class: "label", text: " by " }), by] : null),
        item.note ? ui.el("p", { class: "note", text: item.note }) : null,
        ui.el("h3", { text: "Sources" }), sourceList(item.sources, ui) || ui.el("p", { class: "hint", text: "None recorded." }),
        changes("Changes that implement it", item.implemented_by, ui, item.id),
        changes("Also named by", item.named_by, ui));
      if (!item.implemented_by.length) ui.add(target, ui.el("p", { class: "hint", text: "No change names it as its decision." }));
      return;
    }
    ui.add(target,
      ui.el("p", { class: "kind", text: `document · ${item.language} · ${item.id}` }),
      ui.el("h2", { class: "name", text: item.title }),
      ui.el("p", { class: "where" }, ui.el("span", { class: "label", text: "Where: " }),
        outLink(item.url, ui, item.location) || ui.el("span", { class: "location", text: item.location })),
      item.published ? ui.el("p", {}, ui.el("span", { class: "label", text: "Published " }), item.published) : null,
      item.note ? ui.el("p", { class: "note", text: item.note }) : null,
      changes("Cited by", item.cited_by, ui));
    if (!item.cited_by.length) ui.add(target, ui.el("p", { class: "hint", text: "Nothing cites it." }));
  }

  return { sourceList, details, webAddress };
})();
