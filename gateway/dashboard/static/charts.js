// Charts drawn as inline SVG: a control chart and horizontal bars. No library.
const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// points: [{value, rules:[], at}], lines: {center, ucl, lcl, lsl, usl}
export function controlChart(points, lines, { width = 900, height = 320 } = {}) {
  const pad = { l: 56, r: 70, t: 14, b: 26 };
  const values = points.map((p) => p.value);
  const marks = [lines.center, lines.ucl, lines.lcl, lines.lsl, lines.usl].filter((v) => v !== null && v !== undefined);
  let lo = Math.min(...values, ...marks), hi = Math.max(...values, ...marks);
  if (hi === lo) { hi += 1; lo -= 1; }
  const margin = (hi - lo) * 0.08; lo -= margin; hi += margin;
  const x = (i) => pad.l + (points.length < 2 ? 0 : (i * (width - pad.l - pad.r)) / (points.length - 1));
  const y = (v) => pad.t + ((hi - v) * (height - pad.t - pad.b)) / (hi - lo);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
                         "aria-label": "control chart" });
  for (let k = 0; k <= 4; k++) {  // value axis
    const v = lo + ((hi - lo) * k) / 4;
    svg.append(s("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, v.toFixed(2)));
  }
  const line = (v, label, color, dash) => {
    if (v === null || v === undefined) return;
    svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), stroke: color,
                           "stroke-width": 1.2, "stroke-dasharray": dash, class: `limit limit-${label}` }));
    svg.append(s("text", { x: width - pad.r + 4, y: y(v) + 4 }, `${label} ${v.toFixed(2)}`));
  };
  line(lines.usl, "USL", "#f85149", "2 3");
  line(lines.lsl, "LSL", "#f85149", "2 3");
  line(lines.ucl, "UCL", "#d29922", "6 4");
  line(lines.lcl, "LCL", "#d29922", "6 4");
  line(lines.center, "CL", "#3fb950", "");
  if (points.length) {
    svg.append(s("polyline", { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" "),
                               fill: "none", stroke: "#58a6ff", "stroke-width": 1.5 }));
  }
  points.forEach((p, i) => {
    const bad = p.rules && p.rules.length;
    const dot = s("circle", { cx: x(i), cy: y(p.value), r: bad ? 5 : 2.5, fill: bad ? "#f85149" : "#58a6ff",
                              class: bad ? "point violation" : "point" });
    dot.append(s("title", {}, `${p.value.toFixed(3)} at ${p.at}${bad ? " — " + p.rules.join(", ") : ""}`));
    svg.append(dot);
  });
  if (points.length) {
    svg.append(s("text", { x: pad.l, y: height - 6 }, new Date(points[0].at).toLocaleTimeString()));
    svg.append(s("text", { x: width - pad.r, y: height - 6, "text-anchor": "end" },
                 new Date(points[points.length - 1].at).toLocaleTimeString()));
  }
  return svg;
}

// rows: [{label, value, max, text, bad}]
export function bars(rows, { width = 600, row = 26 } = {}) {
  const height = rows.length * row + 4, left = 170, right = Math.round(width * 0.45);
  const max = Math.max(1, ...rows.map((r) => r.max ?? r.value));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "bars-svg", role: "img" });
  rows.forEach((r, i) => {
    const yy = i * row + 2, w = ((width - left - right) * r.value) / max;
    svg.append(s("text", { x: left - 8, y: yy + row * 0.65, "text-anchor": "end", fill: "#8ea0b3",
                           "font-size": 13 }, r.label));
    svg.append(s("rect", { x: left, y: yy + 3, width: Math.max(w, 1), height: row - 8, rx: 3,
                           fill: r.bad ? "#f85149" : "#58a6ff" }));
    svg.append(s("text", { x: left + Math.max(w, 1) + 6, y: yy + row * 0.65, fill: "#e6edf3", "font-size": 13,
                           class: "bar-value" }, r.text ?? String(r.value)));
  });
  return svg;
}
