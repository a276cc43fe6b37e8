// Lays out /v1/openapi.json as a readable reference: no third-party code, no network but Candor.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A description's `backticks` become <code>, built as nodes: the text is never parsed as HTML.
function prose(text) {
  const parts = String(text || "").split("`");
  return parts.map((part, i) => (i % 2 === 1 && i < parts.length - 1 ? el("code", {}, part) : part));
}

function resolve(doc, schema) {
  while (schema && schema.$ref) {
    schema = schema.$ref.split("/").slice(1).reduce((o, k) => o[k], doc);
  }
  return schema || {};
}

function typeOf(doc, schema) {
  const ref = schema.$ref ? schema.$ref.split("/").pop() : null;
  schema = resolve(doc, schema);
  if (ref) return ref;
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(doc, s)).join(" | ");
  let text = schema.type || "any";
  if (schema.type === "array") text = typeOf(doc, schema.items || {}) + "[]";
  if (schema.enum) text += " (" + schema.enum.map((v) => JSON.stringify(v)).join(", ") + ")";
  if (schema.format) text += " " + schema.format;
  if (schema.nullable) text += ", nullable";
  return text;
}

function fieldTable(doc, schema, prefix) {
  schema = resolve(doc, schema);
  const rows = [];
  const required = new Set(schema.required || []);
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    const inner = resolve(doc, sub);
    const label = prefix ? `${prefix}[${name}]` : name;
    rows.push(el("tr", {}, el("td", {}, el("code", {}, label)), el("td", {}, typeOf(doc, sub)),
      el("td", {}, required.has(name) ? "required" : ""), el("td", {}, prose(inner.description))));
    if (inner.type === "object" && inner.properties && !sub.$ref) {
      rows.push(...fieldTable(doc, inner, label).querySelectorAll("tbody tr"));
    }
  }
  const cols = el("colgroup", {}, el("col", { class: "name" }), el("col", { class: "type" }),
    el("col", { class: "req" }), el("col", {}));
  return el("table", { class: "fields" }, cols, el("thead", {}, el("tr", {},
    el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "required"),
    el("th", {}, "meaning"))), el("tbody", {}, rows));
}

function operationView(doc, path, method, op) {
  const body = [];
  const params = op.parameters || [];
  if (params.length) {
    body.push(el("h4", {}, "Parameters"), el("table", {}, el("tbody", {}, params.map((p) =>
      el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
        el("td", {}, typeOf(doc, p.schema || {})), el("td", {}, prose(p.description)))))));
  }
  if (op.requestBody) {
    const schema = op.requestBody.content["application/json"].schema;
    body.push(el("h4", {}, "Body"), el("p", {}, prose(op.requestBody.description)),
      fieldTable(doc, schema, ""));
  }
  body.push(el("h4", {}, "Answers"), el("table", {}, el("tbody", {},
    Object.entries(op.responses).map(([code, r]) => {
      const content = r.content && r.content["application/json"];
      return el("tr", {}, el("td", {}, code), el("td", {}, prose(r.description)),
        el("td", {}, content ? typeOf(doc, content.schema) : "no body"));
    }))));
  return el("details", { class: "op", id: op.operationId },
    el("summary", {}, el("span", { class: `method ${method}` }, method.toUpperCase()),
      el("code", {}, path), el("span", {}, prose(op.summary))),
    el("div", {}, body));
}

function schemaView(doc, name, schema) {
  return el("details", { class: "op", id: `schema-${name}` },
    el("summary", {}, el("h3", {}, name)), el("div", {}, fieldTable(doc, schema, "")));
}

async function main() {
  const root = document.getElementById("api-docs");
  const doc = await (await fetch(root.dataset.openapi)).json();
  const byTag = new Map();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags || ["Other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationView(doc, path, method, op));
    }
  }
  const sections = doc.info.description.split(/\n\n+/).map((p) => el("p", {}, prose(p)));
  for (const [tag, ops] of byTag) sections.push(el("section", {}, el("h2", {}, tag), ops));
  sections.push(el("section", {}, el("h2", {}, "Objects"),
    Object.entries(doc.components.schemas).map(([n, s]) => schemaView(doc, n, s))));
  root.replaceChildren(...sections);
}

main().catch((err) => {
  document.getElementById("api-docs").textContent = `Could not load the API description: ${err}`;
});
