// orgevents — interactive API docs, drawn from /openapi.json with no outside assets (works
// offline, under the same strict Content-Security-Policy as the page). Text from the schema and
// from responses is shown with textContent only.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

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

  function example(param) {
    const schema = param.schema || {};
    if (param.example !== undefined) return String(param.example);
    if (param.examples && typeof param.examples === "object") {
      const first = Object.values(param.examples)[0];
      if (first && first.value !== undefined) return String(first.value);
    }
    if (Array.isArray(schema.examples) && schema.examples.length) return String(schema.examples[0]);
    return "";
  }

  function operation(path, method, op) {
    const params = (op.parameters || []).map((p) => {
      const input = el("input", { type: "text", name: p.name, value: p.in === "path" ? example(p) : "",
        placeholder: example(p) || (p.schema && p.schema.default !== undefined ? String(p.schema.default) : ""),
        "aria-label": p.name });
      return { spec: p, input,
        row: el("p", { class: "param" },
          el("label", { text: `${p.name}${p.required ? " *" : ""} (${p.in})`, title: p.description || "" }),
          input) };
    });
    const post = method === "post";
    const body = post ? el("textarea", { "aria-label": "request body" }) : null;
    const mediaType = post ? el("select", { "aria-label": "content type" },
      el("option", { value: "application/yaml", text: "application/yaml" }),
      el("option", { value: "application/json", text: "application/json" })) : null;
    if (post) {
      const content = (op.requestBody && op.requestBody.content) || {};
      const sample = content["application/json"] && content["application/json"].example;
      if (sample) {
        body.value = JSON.stringify(sample, null, 2);
        mediaType.value = "application/json";
      }
    }
    const result = el("div", { class: "result" });
    const statuses = Object.entries(op.responses || {}).map(([code, r]) => `${code} ${r.description || ""}`);
    const send = el("button", { type: "button", class: "send", text: "Send",
      onclick: () => run(path, method, params, body, mediaType, result) });
    return el("details", { class: "op" },
      el("summary", {},
        el("span", { class: `method ${method}`, text: method.toUpperCase() }),
        el("span", { class: "path", text: path }),
        el("span", { class: "summary", text: op.summary || "" })),
      el("div", { class: "op-body" },
        op.description ? el("p", { class: "intro", text: op.description }) : null,
        el("p", { class: "statuses", text: `Answers: ${statuses.join(" · ")}` }),
        params.map((p) => p.row),
        post ? el("p", { class: "param" }, el("label", { text: "Content-Type" }), mediaType) : null,
        body,
        el("p", {}, send),
        result));
  }

  async function run(path, method, params, body, mediaType, result) {
    let url = path;
    const query = new URLSearchParams();
    for (const { spec, input } of params) {
      const value = input.value.trim();
      if (spec.in === "path") url = url.replace(`{${spec.name}}`, encodeURIComponent(value));
      else if (value) query.set(spec.name, value);
    }
    if ([...query].length) url += `?${query}`;
    const init = { method: method.toUpperCase(), headers: {} };
    if (body) {
      init.body = body.value;
      init.headers["Content-Type"] = mediaType.value;
      const token = $("token").value.trim();
      if (token) init.headers.Authorization = `Bearer ${token}`;
    }
    result.replaceChildren(el("p", { class: "hint", text: `${init.method} ${url} …` }));
    try {
      const response = await fetch(url, init);
      const type = response.headers.get("content-type") || "";
      let text;
      if (type.startsWith("application/json")) {
        text = JSON.stringify(await response.json(), null, 2);
      } else if (type.startsWith("image/png")) {
        text = `(${(await response.blob()).size} bytes of PNG)`;
      } else {
        text = await response.text();
      }
      result.replaceChildren(
        el("p", {}, el("strong", { text: `${response.status} ${response.statusText}` }), ` ${type} · `,
          el("a", { href: url, target: "_blank", rel: "noopener", text: "open" })),
        el("pre", { text }));
    } catch (err) {
      result.replaceChildren(el("p", { class: "error", text: err.message }));
    }
  }

  async function start() {
    $("auth").addEventListener("submit", (e) => e.preventDefault());
    const target = $("operations");
    try {
      const response = await fetch("/openapi.json");
      const schema = await response.json();
      document.title = `${schema.info.title} ${schema.info.version} — HTTP API`;
      $("intro").textContent = schema.info.description || "";
      const groups = new Map();
      for (const [path, item] of Object.entries(schema.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const tag = (op.tags && op.tags[0]) || "other";
          if (!groups.has(tag)) groups.set(tag, []);
          groups.get(tag).push(operation(path, method, op));
        }
      }
      target.replaceChildren(...[...groups].map(([tag, ops]) => el("section", {},
        el("h2", { text: tag }), ops)));
    } catch (err) {
      target.replaceChildren(el("p", { class: "error", text: `Cannot read /openapi.json: ${err.message}` }));
    }
  }

  start();
})();
