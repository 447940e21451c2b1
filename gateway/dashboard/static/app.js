// The dashboard shell: the key, the hash router (#overview, #trace/<serial>, #spc/<chart>, #orders).
import { askKey, apiKey, forgetKey, takeKeyFromUrl } from "./key.js";
import { onConnection } from "./subscriptions.js";
import { overview } from "./overview.js";
import { traceExplorer } from "./trace.js";
import { spcPage } from "./spc.js";
import { workOrders } from "./orders.js";

const PAGES = { overview, trace: traceExplorer, spc: spcPage, orders: workOrders };
let leave = null;

function route() {
  const [page, ...rest] = (location.hash.slice(1) || "overview").split("/");
  const show = PAGES[page] ? page : "overview";
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("active", a.dataset.page === show));
  if (leave) leave();
  const main = document.getElementById("main");
  leave = PAGES[show](main, rest.map(decodeURIComponent).join("/")) || null;
}

async function start() {
  takeKeyFromUrl();
  if (!apiKey()) await askKey();
  onConnection((on) => {
    const live = document.getElementById("live");
    live.textContent = on ? "live" : "offline";
    live.classList.toggle("on", on);
  });
  document.getElementById("forget-key").addEventListener("click", async () => {
    forgetKey(); await askKey(); location.reload();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
