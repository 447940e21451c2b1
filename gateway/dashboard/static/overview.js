// Line overview: throughput per station, WIP, FPY per operation, open alarms and holds.
// Events from the subscription trigger a re-read (throttled); nothing is polled.
import { bars } from "./charts.js";
import { fill, h, pct, table, time } from "./dom.js";
import { gql } from "./graphql.js";
import { subscribe } from "./subscriptions.js";

const WINDOW_MIN = 15;
const QUERY = `query Overview($since: DateTime!) {
  lineActivity(since: $since) { station operation completed passed failed inProcess lastAt }
  yield(groupBy: [OPERATION]) { operation units firstPass fpy finalYield }
  alarms(unacknowledged: true, first: 10) { id chart rule message lastAt }
  holds(first: 10) { id targetKind target reason heldAt }
}`;
const EVENTS = `subscription { events { type subject time station } }`;

export function overview(main) {
  const kpis = h("div", { class: "card kpis", id: "kpis" });
  const stations = h("div", { class: "card bars", id: "throughput" });
  const fpy = h("div", { class: "card", id: "fpy" });
  const alarms = h("div", { class: "card", id: "alarms" });
  const holds = h("div", { class: "card", id: "holds" });
  const feed = h("ol", { class: "feed", id: "feed" });
  main.replaceChildren(kpis, h("div", { class: "grid" },
    h("section", {}, h("h2", {}, `Throughput per station (units/h, last ${WINDOW_MIN} min)`), stations),
    h("section", {}, h("h2", {}, "First-pass yield per operation"), fpy),
    h("section", {}, h("h2", {}, "Open SPC alarms"), alarms),
    h("section", {}, h("h2", {}, "Open holds"), holds),
    h("section", {}, h("h2", {}, "Live events"), h("div", { class: "card" }, feed))));
  let received = 0, timer = null, busy = false;

  async function refresh() {
    if (busy) return;
    busy = true;
    const since = new Date(Date.now() - WINDOW_MIN * 60000).toISOString();
    let data;
    try {
      data = await gql(QUERY, { since });
    } catch (err) {
      [kpis, stations, fpy, alarms, holds].forEach((b) => fill(b, () => Promise.reject(err)));
      busy = false;
      return;
    }
    busy = false;
    const act = data.lineActivity;
    const done = act.reduce((n, a) => n + a.completed, 0);
    const wip = act.reduce((n, a) => n + a.inProcess, 0);
    const failed = act.reduce((n, a) => n + a.failed, 0);
    kpis.replaceChildren(
      h("div", { class: "kpi" }, h("b", { id: "kpi-completed" }, done), h("span", {}, `operations completed (${WINDOW_MIN} min)`)),
      h("div", { class: "kpi" }, h("b", { id: "kpi-wip" }, wip), h("span", {}, "WIP (operations running)")),
      h("div", { class: "kpi" }, h("b", { id: "kpi-failed", class: failed ? "bad" : "" }, failed), h("span", {}, "failed")),
      h("div", { class: "kpi" }, h("b", { id: "kpi-events" }, received), h("span", {}, "live events received")),
      h("div", { class: "kpi" }, h("b", { id: "kpi-alarms", class: data.alarms.length ? "bad" : "" },
        data.alarms.length), h("span", {}, "open alarms")));
    fill(stations, async () => act.length ? bars(act.map((a) => ({
      label: `${a.station} ${a.operation}`, value: (a.completed * 60) / WINDOW_MIN,
      text: `${Math.round((a.completed * 60) / WINDOW_MIN)}/h · WIP ${a.inProcess}`, bad: a.failed > 0,
    })), { width: 440, row: 24 }) : null, "No operations in the window.");
    fill(fpy, async () => data.yield.length ? table(["operation", "units", "FPY", "final yield"],
      data.yield.map((y) => [y.operation, y.units,
        h("span", { class: y.fpy < 0.95 ? "bad" : "ok" }, pct(y.fpy)), pct(y.finalYield)]),
      [1, 2, 3]) : null, "No completed operations yet.");
    fill(alarms, async () => data.alarms.length ? table(["chart", "rule", "message", "last"],
      data.alarms.map((a) => [h("a", { href: `#spc/${encodeURIComponent(a.chart)}` }, a.chart), a.rule,
        a.message, time(a.lastAt)])) : null, "No open alarms.");
    fill(holds, async () => data.holds.length ? table(["kind", "target", "reason", "since"],
      data.holds.map((x) => [x.targetKind, x.target, x.reason, time(x.heldAt)])) : null, "No open holds.");
  }

  const later = () => { if (!timer) timer = setTimeout(() => { timer = null; refresh(); }, 1500); };
  const stop = subscribe(EVENTS, {}, (data) => {
    received += 1;
    const e = data.events;
    const el = document.getElementById("kpi-events");
    if (el) el.textContent = received;
    feed.prepend(h("li", {}, `${time(e.time)} ${e.type} ${e.subject}${e.station ? " @ " + e.station : ""}`));
    while (feed.childElementCount > 12) feed.lastChild.remove();
    later();
  }, (msg) => feed.prepend(h("li", { class: "bad" }, msg)));
  refresh();
  return () => { stop(); clearTimeout(timer); };
}
