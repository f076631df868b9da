// orgevents — dates on the page: typed dates that apply once, a slider whose distances are
// time, dates as links, a unit's lifespan, and dates in the address checked, not replaced.
// Loaded before app.js, which hands each function what it needs (no framework, no build).
"use strict";

window.OrgDates = (() => {
  const DAY = 24 * 60 * 60 * 1000;
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  const days = (text) => Math.round(Date.parse(text + "T00:00:00Z") / DAY);
  const fromDays = (n) => new Date(n * DAY).toISOString().slice(0, 10);

  // A real day written YYYY-MM-DD (not 2026-02-30, which Date would roll over into March).
  function valid(text) {
    if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
    const time = Date.parse(text + "T00:00:00Z");
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === text;
  }

  // Why `text` is not a date, in a sentence: "2026-02-30: February has 28 days in 2026".
  function problem(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!m) return `“${text}” is not a date of the form YYYY-MM-DD`;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month < 1 || month > 12) return `${text}: there is no month ${month}`;
    const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > length) return `${text}: ${MONTHS[month - 1]} has ${length} days in ${year}`;
    return `${text} is not a date`;
  }

  // The dates the address asks for that are not dates: [[parameter, message]].
  function badInAddress(params, names) {
    const bad = [];
    for (const name of names) {
      const value = params.get(name);
      if (value === null || value === "") continue;
      // known_at may also be a date and time (the API takes both)
      if (name === "known_at" && value.length > 10 && !Number.isNaN(Date.parse(value))) continue;
      if (!valid(value)) bad.push([name, problem(value)]);
    }
    return bad;
  }

  // A typed date applies once: on Enter or when the field loses focus, not at every keystroke
  // (a date field reports 0002-…, 0020-…, 0202-… while a year is typed). A date picked with the
  // browser's calendar (no key pressed) applies at once.
  function applyOnCommit(input, apply) {
    let typing = false;
    let applied = input.value;
    const commit = () => {
      typing = false;
      if (input.value === applied) return;
      if (input.value === "" || valid(input.value)) {
        applied = input.value;
        apply(input.value);
      }
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        commit();
      } else if (e.key === "Escape") {
        input.value = applied;
        typing = false;
      } else if (e.key !== "Tab") {
        typing = true;
      }
    });
    input.addEventListener("blur", commit);
    input.addEventListener("change", () => { if (!typing) commit(); });
    return { set(value) { applied = value; input.value = value; } };
  }

  // The slider: its positions are days, so a year takes the same width wherever it is; a mark
  // for every change date, labels only where they fit. Moving it stops at change dates.
  function timeSlider(slider, ticks, el, onPick) {
    let dates = [];
    const nearest = (n) => {
      let best = 0;
      dates.forEach((d, i) => { if (Math.abs(days(d) - n) < Math.abs(days(dates[best]) - n)) best = i; });
      return best;
    };
    // The next change date after `date`, or the last before it.
    const step = (date, by) => {
      if (by > 0) return dates.find((d) => d > date) || dates[dates.length - 1];
      const before = dates.filter((d) => d < date);
      return before.length ? before[before.length - 1] : dates[0];
    };
    slider.addEventListener("input", () => {
      if (!dates.length) return;
      const date = dates[nearest(Number(slider.value))];
      onPick(date, false);
    });
    slider.addEventListener("keydown", (e) => {
      if (!dates.length) return;
      const current = slider.dataset.at || dates[0];
      let date = null;
      if (["ArrowRight", "ArrowUp", "PageUp"].includes(e.key)) date = step(current, 1);
      else if (["ArrowLeft", "ArrowDown", "PageDown"].includes(e.key)) date = step(current, -1);
      else if (e.key === "Home") date = dates[0];
      else if (e.key === "End") date = dates[dates.length - 1];
      if (date === null) return;
      e.preventDefault();
      if (date !== current) onPick(date, false);
    });

    function position(date) {
      const [lo, hi] = [days(dates[0]), days(dates[dates.length - 1])];
      return hi > lo ? ((days(date) - lo) / (hi - lo)) * 100 : 0;
    }

    let shown = { date: "", label: String };
    let resized = 0;
    window.addEventListener("resize", () => { // labels fit the new width
      clearTimeout(resized);
      resized = setTimeout(() => { build(dates, shown.label); show(shown.date, shown.label); }, 150);
    });

    // Labels are laid out for the track's width; a hidden track (the changes between dates)
    // gets its labels when it is shown (show()).
    let builtFor = 0;

    function build(found, label) {
      dates = found;
      shown.label = label;
      while (ticks.firstChild) ticks.removeChild(ticks.firstChild);
      slider.disabled = dates.length < 2;
      builtFor = ticks.clientWidth;
      if (!dates.length) return;
      slider.min = String(days(dates[0]));
      slider.max = String(days(dates[dates.length - 1]));
      slider.step = "1";
      for (const d of dates) {
        const mark = el("span", { class: "mark", "aria-hidden": "true", title: label(d) });
        mark.dataset.date = d;
        mark.style.left = `${position(d)}%`;
        ticks.append(mark);
      }
      if (!builtFor) return;
      // The last date's label, then right to left each that fits as measured; a label at an end
      // is moved inside the track rather than past the page's edge.
      const gap = 8;
      let leftmost = Infinity;
      let after = null; // the label to the right of the next one kept (labels go left to right)
      for (let i = dates.length - 1; i >= 0; i--) {
        const d = dates[i];
        const x = position(d) * builtFor / 100;
        if (x + gap > leftmost) continue; // its label would reach the one kept to its right
        const tick = el("button", { type: "button", class: "tick", text: label(d),
          title: `Go to ${d}`, onclick: () => onPick(d, true) });
        tick.dataset.date = d;
        tick.style.left = `${position(d)}%`;
        ticks.insertBefore(tick, after);
        const w = tick.offsetWidth;
        const start = Math.max(0, Math.min(x - w / 2, builtFor - w));
        if (start + w + gap > leftmost) {
          tick.remove();
          continue;
        }
        tick.style.transform = `translateX(${Math.round(start - x)}px)`;
        leftmost = start;
        after = tick;
      }
    }

    // Stand at the last change date on or before `date` (the chart shows that state).
    function show(date, label) {
      if (!dates.length || !valid(date)) return;
      shown = { date, label };
      if (ticks.clientWidth && ticks.clientWidth !== builtFor) build(dates, label);
      let i = -1;
      dates.forEach((d, j) => { if (d <= date) i = j; });
      const at = dates[Math.max(0, i)];
      slider.value = String(Math.min(days(dates[dates.length - 1]), Math.max(days(dates[0]), days(date))));
      slider.dataset.at = date;
      slider.setAttribute("aria-valuetext", label(date));
      for (const node of ticks.children) node.classList.toggle("current", i >= 0 && node.dataset.date === at);
    }

    return { build, show };
  }

  // "Changes between dates" around the chosen date: what took effect on it when something
  // did, else what takes effect next after it (else the last change before it).
  function around(at, dates) {
    if (dates.includes(at)) return { from: fromDays(days(at) - 1), to: at };
    const next = dates.find((d) => d > at);
    if (next) return { from: at, to: next };
    const before = dates.filter((d) => d < at).pop();
    return before ? { from: fromDays(days(before) - 1), to: before } : { from: fromDays(days(at) - 1), to: at };
  }

  // The first date in a date as written ("by 2025-01-01", "expected 2030", "2026-01").
  function firstDate(text) {
    const m = /(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(text || "");
    return m ? `${m[1]}-${m[2] || "01"}-${m[3] || "01"}` : "";
  }

  // A bar from the first to the last change date (stretched to cover the unit's lives and the
  // chosen date): a band per life, a line at the chosen date, the lives' dates as links.
  function lifespan(lives, dates, at, el, dateLink) {
    const spans = (lives || []).map((l) => ({ from: firstDate(l.from), until: firstDate(l.until), life: l }))
      .filter((s) => s.from);
    if (!spans.length) return null;
    const all = [...dates, at, ...spans.map((s) => s.from), ...spans.filter((s) => s.until).map((s) => s.until)]
      .filter(Boolean).sort();
    const [lo, hi] = [days(all[0]), days(all[all.length - 1]) + 1];
    const pct = (d) => ((days(d) - lo) / (hi - lo)) * 100;
    const bar = el("div", { class: "lifespan-bar", role: "img",
      "aria-label": spans.map((s) => `in force from ${s.from}${s.until ? ` until ${s.until}` : ""}`).join("; ") });
    for (const s of spans) {
      const end = s.until ? pct(s.until) : 100;
      const band = el("span", { class: `life${s.until ? "" : " open"}`,
        title: `${s.life.from} – ${s.life.until || "in force"}: ${(s.life.names || []).join("; ")}` });
      band.style.left = `${pct(s.from)}%`;
      band.style.width = `${Math.max(0.8, end - pct(s.from))}%`;
      bar.append(band);
    }
    const now = el("span", { class: "now", title: `chosen date ${at}` });
    now.style.left = `${pct(at)}%`;
    bar.append(now);
    const legend = el("p", { class: "lifespan-dates" },
      spans.map((s, i) => el("span", {}, i ? "; " : "", "from ", dateLink(s.from),
        s.until ? [" until ", dateLink(s.until)] : " — in force")));
    return el("div", { class: "lifespan" }, el("span", { class: "label", text: "Lifespan" }), bar, legend);
  }

  return { valid, problem, badInAddress, applyOnCommit, timeSlider, around, lifespan, firstDate };
})();
