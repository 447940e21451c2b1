// Work orders: progress per operation, yield, holds; refreshed when work order events arrive.
import { bars } from "./charts.js";
import { fill, h, pct, state, table, time } from "./dom.js";
import { gql } from "./graphql.js";
import { subscribe } from "./subscriptions.js";

const ORDERS = `{ workOrders(first: 20) {
  number partNumber quantity status line dueDate
  progress { operation sequence name units completed passed failed inProcess firstPassYield }
  yield { units scrapped lastOperation completed finalYield rolledThroughputYield }
  holds { id reason heldAt }
} }`;
const EVENTS = `subscription { events(types: ["workorder.progress", "workorder.status", "unit.completed"]) { type } }`;

function order(o) {
  const y = o.yield;
  return h("section", { class: "card order", "data-order": o.number },
    h("h2", {}, `${o.number} · ${o.partNumber} · ${o.status}`),
    h("div", { class: "kpis" },
      h("div", { class: "kpi" }, h("b", { class: "wo-units" }, `${y.units} / ${o.quantity}`), h("span", {}, "units registered / ordered")),
      h("div", { class: "kpi" }, h("b", {}, y.completed), h("span", {}, `through ${y.lastOperation || "–"}`)),
      h("div", { class: "kpi" }, h("b", {}, pct(y.finalYield)), h("span", {}, "final yield")),
      h("div", { class: "kpi" }, h("b", {}, pct(y.rolledThroughputYield)), h("span", {}, "rolled throughput yield")),
      h("div", { class: "kpi" }, h("b", { class: o.holds.length ? "bad" : "" }, o.holds.length), h("span", {}, "open holds"))),
    o.progress.length ? h("div", { class: "bars" }, bars(o.progress.map((p) => ({
      label: p.operation, value: p.passed, max: Math.max(o.quantity, ...o.progress.map((q) => q.units)),
      text: `${p.passed} passed · ${p.failed} failed · ${p.inProcess} running · FPY ${pct(p.firstPassYield)}`, bad: p.failed > 0,
    })), { width: 900 })) : state("No operations recorded yet."),
    o.holds.length ? table(["hold", "reason", "since"], o.holds.map((x) => [x.id, x.reason, time(x.heldAt)])) : null);
}

export function workOrders(main) {
  const box = h("div", { id: "orders" });
  main.replaceChildren(h("h2", {}, "Work orders"), box);
  let timer = null;
  const load = () => fill(box, async () => {
    const { workOrders: orders } = await gql(ORDERS);
    return orders.length ? h("div", {}, orders.map(order)) : null;
  }, "No work orders yet.");
  const stop = subscribe(EVENTS, {}, () => {
    if (!timer) timer = setTimeout(() => { timer = null; load(); }, 2000);
  }, () => {});
  load();
  return () => { stop(); clearTimeout(timer); };
}
