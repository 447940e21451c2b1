// A minimal graphql-transport-ws client: one socket, many subscriptions, reconnect with back-off.
// The key rides as an extra subprotocol (a browser cannot set headers on a WebSocket handshake).
import { apiKey } from "./key.js";

const PROTOCOL = "graphql-transport-ws";
let socket = null, acked = false, nextId = 1, retry = 500;
const subs = new Map();  // id -> {query, variables, onData, onError}
const listeners = new Set();

function state(on) { listeners.forEach((fn) => fn(on)); }
export function onConnection(fn) { listeners.add(fn); }

function send(message) { socket.send(JSON.stringify(message)); }

function start(id) {
  const s = subs.get(id);
  send({ id, type: "subscribe", payload: { query: s.query, variables: s.variables } });
}

function connect() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  socket = new WebSocket(url, [PROTOCOL, `tracebridge.key.${apiKey()}`]);
  acked = false;
  socket.onopen = () => send({ type: "connection_init", payload: {} });
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "connection_ack") { acked = true; retry = 500; state(true); subs.forEach((_, id) => start(id)); }
    else if (msg.type === "ping") send({ type: "pong" });
    else if (msg.type === "next" && subs.has(msg.id)) {
      const s = subs.get(msg.id);
      if (msg.payload.errors) s.onError(msg.payload.errors.map((e) => e.message).join("\n"));
      else s.onData(msg.payload.data);
    } else if (msg.type === "error" && subs.has(msg.id)) {
      subs.get(msg.id).onError(msg.payload.map((e) => e.message).join("\n"));
    }
  };
  socket.onclose = (event) => {
    state(false);
    socket = null;
    if (event.code >= 4400 && event.code < 4404) {  // refused credential: do not hammer the server
      subs.forEach((s) => s.onError(`subscription refused (${event.code} ${event.reason || ""})`));
      return;
    }
    if (subs.size) setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
}

export function subscribe(query, variables, onData, onError = console.error) {
  const id = String(nextId++);
  subs.set(id, { query, variables, onData, onError });
  if (!socket) connect();
  else if (acked) start(id);
  return () => {
    subs.delete(id);
    if (socket && acked) send({ id, type: "complete" });
  };
}
