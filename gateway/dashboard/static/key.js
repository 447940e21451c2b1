// The API key: asked once, kept in localStorage; `#key=...` in the URL (printed by `serve --demo`) fills it.
const STORE = "tracebridge.apiKey";

export function apiKey() { return localStorage.getItem(STORE) || ""; }

export function takeKeyFromUrl() {
  const match = location.hash.match(/(?:^#|&)key=([^&]+)/);
  if (!match) return;
  localStorage.setItem(STORE, decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + "#overview");  // the key leaves the address bar
}

export function askKey() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (input.value.trim()) localStorage.setItem(STORE, input.value.trim());
      resolve(apiKey());
    }, { once: true });
    dialog.showModal();
  });
}

export function forgetKey() { localStorage.removeItem(STORE); }
