// Trace explorer: a serial → its as-built tree (sub-units, lots with reference designators, operations,
// parameters, results); a lot → where it went (units, finished products, boxes, pallets, shipments).
import { fill, h, num, state, time } from "./dom.js";
import { gql } from "./graphql.js";

const OPS = `operations { operation station operator result startedAt completedAt
  parameters { name value unit }
  testResults { kind name result measured unit lsl usl defectCode referenceDesignator } }`;
const BACKWARD = `query Back($serial: String!) {
  traceBackward(serial: $serial) {
    root { serial partNumber kind status workOrder { number } containers { code kind } ${OPS} }
    units { depth referenceDesignator removed parent { serial }
      unit { serial partNumber kind status ${OPS} panel { serial ${OPS} } } }
    materials { lotCode partNumber referenceDesignator station attribution removed unit { serial } }
  } }`;
const FORWARD = `query Fwd($lot: String!) {
  traceForward(lot: $lot, first: 200) {
    totalUnits
    units { edges { node { serial kind partNumber status parent { serial }
      containers { code kind } } } pageInfo { hasNextPage } }
    topLevel { serial partNumber status containers { code kind } }
    containers { code kind status parent { code } }
    shipments { code customer destination shippedAt }
    lots { id partNumber status }
  } }`;
const WHAT = `query What($q: String!) { unit(serial: $q) { serial } materialLot(id: $q) { id status } }`;
const CONTAIN = `mutation Contain($lot: String!, $reason: String!) {
  containLot(lot: $lot, reason: $reason, by: "dashboard") { case held outOfPlant } }`;

const tag = (text, cls = "") => h("span", { class: `tag ${cls}` }, text);
const resultTag = (r) => (r ? tag(r, r === "pass" ? "ok" : r === "fail" || r === "scrapped" ? "bad" : "") : null);

function operations(ops) {
  if (!ops.length) return null;
  return h("details", { class: "ops" }, h("summary", {}, `${ops.length} operation(s)`),
    h("ul", { class: "tree" }, ops.map((o) => h("li", { class: "op" },
      h("b", {}, o.operation), ` @ ${o.station} `, resultTag(o.result), ` ${time(o.startedAt)}`,
      o.operator ? ` · ${o.operator}` : "",
      o.parameters.length ? h("ul", { class: "tree" }, o.parameters.map((p) =>
        h("li", { class: "param" }, `${p.name} = ${num(p.value, 3)} ${p.unit}`))) : null,
      o.testResults.length ? h("ul", { class: "tree" }, o.testResults.map((t) =>
        h("li", { class: "test" }, `${t.kind} ${t.name}${t.referenceDesignator ? " " + t.referenceDesignator : ""} `,
          resultTag(t.result), t.measured !== null ? ` ${num(t.measured, 3)} ${t.unit} [${num(t.lsl)}…${num(t.usl)}]` : "",
          t.defectCode ? ` defect ${t.defectCode}` : ""))) : null))));
}

function lotLink(code, label) {
  return h("a", { href: `#trace/${encodeURIComponent(code)}`, class: "lot" }, label || code);
}

function backwardTree(t) {
  const children = new Map(), mats = new Map();
  t.units.forEach((u) => children.set(u.parent.serial, [...(children.get(u.parent.serial) || []), u]));
  t.materials.forEach((m) => mats.set(m.unit.serial, [...(mats.get(m.unit.serial) || []), m]));
  const node = (unit, ref, removed, depth) => h("li", { class: "unit", "data-serial": unit.serial },
    h("details", { open: depth < 2 },
      h("summary", {}, h("b", {}, unit.serial), ` ${unit.partNumber} `, tag(unit.kind), tag(unit.status),
        ref ? tag(ref) : null, removed ? tag("removed (rework)", "bad") : null),
      operations(unit.operations),
      unit.panel ? h("details", { class: "panel-ops" }, h("summary", {}, `built on panel ${unit.panel.serial}`),
        operations(unit.panel.operations)) : null,
      h("ul", { class: "tree" },
        (mats.get(unit.serial) || []).map((m) => h("li", { class: "material" }, `${m.referenceDesignator || "–"} `,
          lotLink(m.lotCode), ` ${m.partNumber}`, m.station ? ` @ ${m.station}` : "",
          m.attribution !== "direct" ? tag(m.attribution, "warn") : null, m.removed ? tag("removed", "bad") : null)),
        depth < 8 ? (children.get(unit.serial) || []).map((c) => node(c.unit, c.referenceDesignator, c.removed, depth + 1)) : null)));
  const r = t.root;
  return h("div", { class: "card" },
    h("p", {}, `Work order ${r.workOrder ? r.workOrder.number : "–"}`,
      r.containers.length ? ` · packed in ${r.containers.map((c) => `${c.kind} ${c.code}`).join(" → ")}` : ""),
    h("ul", { class: "tree", id: "backward-tree" }, node(r, null, false, 0)));
}

function forwardTree(lot, t, main) {
  const status = h("div", { id: "containment" });
  const contain = h("button", { type: "button", id: "contain-lot", onclick: async () => {
    const reason = prompt(`Reason to contain ${lot}?`, "suspect lot");
    if (!reason) return;
    await fill(status, async () => {
      const d = await gql(CONTAIN, { lot, reason });
      const c = d.containLot;
      return h("p", { class: "warn" }, `Containment ${c.case}: ${c.held} unit(s) held, ${c.outOfPlant} already shipped.`);
    });
  } }, "Contain this lot…");
  const byParent = new Map();
  t.containers.forEach((c) => byParent.set(c.parent ? c.parent.code : null, [...(byParent.get(c.parent ? c.parent.code : null) || []), c]));
  const containerNode = (c) => h("li", { class: "container" }, tag(c.kind), ` ${c.code} `, tag(c.status),
    h("ul", { class: "tree" }, (byParent.get(c.code) || []).map(containerNode)));
  return h("div", { class: "card" },
    h("p", {}, `${t.totalUnits} unit(s) contain ${lot}`, t.units.pageInfo.hasNextPage ? " (first 200 shown)" : "", " ", contain),
    status,
    h("ul", { class: "tree", id: "forward-tree" },
      h("li", {}, h("details", { open: true }, h("summary", {}, `Units (${t.units.edges.length})`),
        h("ul", { class: "tree" }, t.units.edges.map(({ node: u }) => h("li", { class: "unit", "data-serial": u.serial },
          lotLink(u.serial, u.serial), ` ${u.partNumber} `, tag(u.kind), tag(u.status),
          u.parent ? ` → in ${u.parent.serial}` : ""))))),
      h("li", {}, h("details", { open: true }, h("summary", {}, `Finished products (${t.topLevel.length})`),
        h("ul", { class: "tree" }, t.topLevel.map((u) => h("li", { class: "unit" }, lotLink(u.serial, u.serial),
          ` ${u.partNumber} `, tag(u.status), u.containers.length ? ` in ${u.containers.map((c) => c.code).join(" → ")}` : ""))))),
      h("li", {}, h("details", { open: true }, h("summary", {}, `Boxes, pallets (${t.containers.length})`),
        h("ul", { class: "tree" }, (byParent.get(null) || []).map(containerNode)))),
      h("li", {}, h("details", { open: true }, h("summary", {}, `Shipments (${t.shipments.length})`),
        h("ul", { class: "tree" }, t.shipments.map((s) => h("li", { class: "shipment" }, `${s.code} → ${s.customer || "–"} `,
          s.destination || "", s.shippedAt ? ` shipped ${new Date(s.shippedAt).toLocaleString()}` : " (not shipped)")))))));
}

export function traceExplorer(main, query) {
  const input = h("input", { id: "trace-input", placeholder: "serial or lot, e.g. MOD-000002 or REEL-C-0002",
                             value: query || "", size: 40 });
  const result = h("div", { id: "trace-result" });
  const form = h("form", { class: "search", onsubmit: (e) => {
    e.preventDefault();
    location.hash = `#trace/${encodeURIComponent(input.value.trim())}`;
  } }, input, h("button", { type: "submit" }, "Trace"));
  main.replaceChildren(h("h2", {}, "Trace explorer"), form, result);
  if (!query) { result.replaceChildren(state("Type a serial (backward: what went in) or a lot (forward: where it went).")); return null; }
  fill(result, async () => {
    const what = await gql(WHAT, { q: query });
    if (what.unit) {
      const d = await gql(BACKWARD, { serial: query });
      return backwardTree(d.traceBackward);
    }
    if (what.materialLot) {
      const d = await gql(FORWARD, { lot: query });
      return forwardTree(query, d.traceForward, main);
    }
    return state(`No unit or lot ${query}.`);
  });
  return null;
}
