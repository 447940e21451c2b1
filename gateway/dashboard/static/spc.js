// SPC: pick a chart (parameter at a station), see its points against centre, control and spec limits
// with violations marked, Cpk, and the alarm list with acknowledge. New alarms arrive by subscription.
import { controlChart } from "./charts.js";
import { fill, h, num, state, table, time } from "./dom.js";
import { gql } from "./graphql.js";
import { subscribe } from "./subscriptions.js";

const CHARTS = `{ controlCharts { code station parameter kind } }`;
const CHART = `query Chart($code: String!) {
  controlChart(code: $code, last: 200) {
    code station parameter kind center ucl lcl lsl usl baselineCpk
    points { at value range serials rules }
    violations { rule message firstAt lastAt }
    mean cpk
  }
  alarms(chart: $code, first: 50) { id rule message firstAt lastAt acknowledgedBy acknowledgedAt }
}`;
const ACK = `mutation Ack($id: Int!) { acknowledgeAlarm(alarmId: $id, by: "dashboard") { alarmId changed } }`;
const ALARMS = `subscription { alarms { type subject } }`;

export function spcPage(main, code) {
  const picker = h("select", { id: "chart-select", onchange: () => { location.hash = `#spc/${encodeURIComponent(picker.value)}`; } });
  const body = h("div", { id: "spc-body" });
  main.replaceChildren(h("h2", {}, "SPC control charts"), h("form", { class: "search" }, picker), body);
  let timer = null;

  async function draw(chartCode) {
    await fill(body, async () => {
      const d = await gql(CHART, { code: chartCode });
      const c = d.controlChart, k = c;
      if (!c) return state(`No control chart ${chartCode}.`);
      const ack = (id) => h("button", { type: "button", class: "ack", onclick: async (e) => {
        e.target.disabled = true;
        try { await gql(ACK, { id }); draw(chartCode); } catch (err) { e.target.replaceWith(h("span", { class: "bad" }, err.message)); }
      } }, "Acknowledge");
      return h("div", {},
        h("div", { class: "card kpis" },
          h("div", { class: "kpi" }, h("b", {}, k.parameter), h("span", {}, `at ${k.station} (${k.kind})`)),
          h("div", { class: "kpi" }, h("b", { id: "cpk", class: c.cpk !== null && c.cpk < 1.33 ? "bad" : "ok" }, num(c.cpk)), h("span", {}, "Cpk (points shown)")),
          h("div", { class: "kpi" }, h("b", {}, c.points.length), h("span", {}, "points")),
          h("div", { class: "kpi" }, h("b", { id: "violations", class: c.violations.length ? "bad" : "ok" }, c.violations.length), h("span", {}, "violations"))),
        h("div", { class: "card", id: "chart" }, c.points.length
          ? controlChart(c.points, { center: k.center, ucl: k.ucl, lcl: k.lcl, lsl: k.lsl, usl: k.usl })
          : state("No samples yet.")),
        h("h2", {}, "Alarms"),
        h("div", { class: "card", id: "alarm-list" }, d.alarms.length ? table(["rule", "message", "first", "last", ""],
          d.alarms.map((a) => [a.rule, a.message, time(a.firstAt), time(a.lastAt),
            a.acknowledgedAt ? `acknowledged by ${a.acknowledgedBy}` : ack(a.id)])) : state("No alarms on this chart.")));
    });
  }

  fill(picker.parentElement.appendChild(h("span")), async () => {
    const { controlCharts } = await gql(CHARTS);
    if (!controlCharts.length) { body.replaceChildren(state("No control charts defined yet (the simulator defines one after its baseline).")); return null; }
    picker.replaceChildren(...controlCharts.map((c) => h("option", { value: c.code, selected: c.code === code },
      `${c.code} — ${c.parameter} @ ${c.station}`)));
    const chosen = code && controlCharts.some((c) => c.code === code) ? code : controlCharts[0].code;
    picker.value = chosen;
    draw(chosen);
    return h("span");
  }, "");
  const stop = subscribe(ALARMS, {}, () => {
    if (!timer && picker.value) timer = setTimeout(() => { timer = null; draw(picker.value); }, 1500);
  }, () => {});
  return () => { stop(); clearTimeout(timer); };
}
