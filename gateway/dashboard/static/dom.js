// Building elements without innerHTML: data from the store is always text, never markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const state = (text) => h("p", { class: "state" }, text);
export const failure = (err) => h("div", { class: "error", role: "alert" }, `Error: ${err.message || err}`);
export const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
export const num = (x, d = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "–");

export function table(headers, rows, numeric = []) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((t, i) => h("th", { class: numeric.includes(i) ? "num" : null }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) =>
      h("td", { class: numeric.includes(i) ? "num" : null }, c))))));
}

// Render `load()` into `box`: loading, then the content, an empty state or the error.
export async function fill(box, load, emptyText = "Nothing yet.") {
  if (!box.childElementCount) box.replaceChildren(state("Loading…"));
  try {
    const content = await load();
    box.replaceChildren(content === null || (Array.isArray(content) && !content.length) ? state(emptyText)
      : content);
  } catch (err) {
    box.replaceChildren(failure(err));
  }
}
