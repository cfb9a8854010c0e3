// odmock's console: plain JavaScript, no build step, no library. Every
// call goes to odmock's admin API on this origin; with --admin-token, the
// token is asked for once and kept in sessionStorage (this tab only), and
// sent as a Bearer header, never in a URL. Text from requests is always
// set as text (textContent), never parsed as HTML.

const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "odmock-admin-token";
const MAX_ROWS = 1000;

// h builds an element: h("td", {class: "x"}, "text", child...).
function h(tag, attrs, ...children) {
  const el = document.createElementNS(tag === "svg" || attrs?.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml", tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "svg" || v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const s = (tag, attrs, ...children) => h(tag, { ...attrs, svg: true }, ...children);

class AuthError extends Error {}

// api calls the admin API: JSON in, JSON out. State-changing calls carry
// Content-Type: application/json, as the admin guard wants.
async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  if (method !== "GET") headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (resp.status === 401) {
    showLogin(token ? "That token was refused." : "");
    throw new AuthError("the admin token is required");
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  return { status: resp.status, ok: resp.ok, data };
}

// ---- login -----------------------------------------------------------

function showLogin(message) {
  $("#main").hidden = true;
  $("#login").hidden = false;
  $("#logout").hidden = true;
  const err = $("#login-error");
  err.hidden = !message;
  err.textContent = message || "";
  stopStream();
  $("#live").className = "live off";
  $("#live").textContent = "signed out";
}

$("#login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("#login-token").value.trim());
  $("#login-token").value = "";
  await start();
});
$("#logout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

// ---- state -------------------------------------------------------------

const state = {
  info: null,
  entries: [], // newest first
  byID: new Map(),
  selected: null,
  lastID: 0,
  stream: null,
};

// ---- views -----------------------------------------------------------

function showView() {
  const view = (location.hash || "#journal").slice(1);
  for (const sec of document.querySelectorAll(".view")) sec.hidden = sec.id !== "view-" + view;
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("on", a.dataset.view === view);
  if (view === "scenarios") loadScenarios();
  if (view === "coverage") loadCoverage();
  if (view === "data") loadData();
}
window.addEventListener("hashchange", showView);

async function start() {
  let info;
  try {
    info = await api("/__odmock/info");
  } catch (e) {
    if (e instanceof AuthError) return;
    throw e;
  }
  state.info = info.data;
  $("#login").hidden = true;
  $("#main").hidden = false;
  $("#logout").hidden = !sessionStorage.getItem(TOKEN_KEY);
  $("#instance").textContent = "instance " + state.info.instance;
  fillSelect($("#f-scenario"), state.info.scenarios.map((sc) => sc.name));
  fillSelect($("#f-risk"), state.info.risks);
  fillSelect($("#switch-name"), state.info.scenarios.map((sc) => sc.name));
  await loadJournal();
  startStream();
  showView();
}

function fillSelect(sel, names) {
  const keep = sel.querySelector("option");
  sel.replaceChildren(keep, ...names.map((n) => h("option", { value: n }, n)));
}

// ---- journal ---------------------------------------------------------

async function loadJournal() {
  const { data } = await api("/__odmock/journal?limit=" + MAX_ROWS);
  state.entries = [];
  state.byID.clear();
  for (const e of data.entries) addEntry(e, false);
  renderJournal();
}

function addEntry(e, render = true) {
  if (state.byID.has(e.id)) return;
  state.byID.set(e.id, e);
  state.entries.unshift(e);
  state.lastID = Math.max(state.lastID, e.id);
  if (state.entries.length > MAX_ROWS) state.byID.delete(state.entries.pop().id);
  if (render) renderJournal(e.id);
}

function decodedQuery(e) {
  const parts = [];
  for (const [k, vs] of Object.entries(e.params || {})) for (const v of vs) parts.push(k + "=" + v);
  return parts.join("  ") || "";
}

function statusClass(status) {
  if (!status) return "st-fault";
  return "st-" + String(status)[0] + "xx";
}

function journalFilter() {
  const session = $("#f-session").value.trim();
  const status = $("#f-status").value.trim().toLowerCase();
  const outcome = $("#f-outcome").value;
  const scenario = $("#f-scenario").value;
  const risk = $("#f-risk").value;
  return (e) =>
    (!session || e.session === session) &&
    (!status || (status.endsWith("xx") ? String(e.status)[0] === status[0] : String(e.status) === status)) &&
    (!outcome || (outcome === "-" ? !e.outcome : e.outcome === outcome)) &&
    (!scenario || e.scenario === scenario) &&
    (!risk || (e.risks || []).includes(risk));
}

function renderJournal(fresh) {
  const keep = journalFilter();
  const rows = state.entries.filter(keep).map((e) =>
    h("tr", { "data-id": e.id, class: [e.id === fresh ? "fresh" : "", e.id === state.selected ? "sel" : ""].join(" ").trim() || null, onclick: () => openEntry(e.id) },
      h("td", { class: "num" }, e.id),
      h("td", { class: "time" }, e.time.slice(11, 23)),
      h("td", {}, e.method),
      h("td", { class: "query", title: e.path + (e.query ? "?" + e.query : "") }, e.path === state.info.api || e.path === state.info.api + "/" ? decodedQuery(e) : e.path + " " + decodedQuery(e)),
      h("td", { class: "status " + statusClass(e.status) }, e.status || "fault"),
      h("td", { class: "num" }, e.latency_ms.toFixed(1)),
      h("td", { class: "session" }, e.session),
      h("td", {}, e.scenario),
      h("td", {}, e.rule)));
  $("#journal-table tbody").replaceChildren(...rows);
  $("#journal-empty").hidden = state.entries.length > 0;
  $("#journal-count").textContent = `${rows.length} of ${state.entries.length} shown`;
  const sessions = [...new Set(state.entries.map((e) => e.session).filter(Boolean))].sort();
  $("#sessions").replaceChildren(...sessions.map((n) => h("option", { value: n })));
}

for (const id of ["#f-session", "#f-status"]) $(id).addEventListener("input", () => renderJournal());
for (const id of ["#f-outcome", "#f-scenario", "#f-risk"]) $(id).addEventListener("change", () => renderJournal());
$("#journal-filters").addEventListener("submit", (ev) => ev.preventDefault());
$("#journal-clear").addEventListener("click", async () => {
  if (!confirm("Forget every exchange of the journal?")) return;
  await api("/__odmock/journal", { method: "DELETE" });
  await loadJournal();
});

// The live stream: Server-Sent Events read through fetch (EventSource
// cannot send the admin token), reconnecting by itself from the last ID.
function startStream() {
  stopStream();
  const ctl = new AbortController();
  state.stream = ctl;
  const live = $("#live");
  const run = async () => {
    while (!ctl.signal.aborted) {
      try {
        const headers = {};
        const token = sessionStorage.getItem(TOKEN_KEY);
        if (token) headers.Authorization = "Bearer " + token;
        const resp = await fetch("/__odmock/journal/stream?after=" + state.lastID, { headers, signal: ctl.signal });
        if (resp.status === 401) { showLogin("That token was refused."); return; }
        if (!resp.ok) throw new Error("stream: " + resp.status);
        live.className = "live on";
        live.textContent = "live";
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            handleEvent(buf.slice(0, cut));
            buf = buf.slice(cut + 2);
          }
        }
      } catch (e) {
        if (ctl.signal.aborted) return;
      }
      live.className = "live off";
      live.textContent = "reconnecting";
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
}

function stopStream() {
  if (state.stream) state.stream.abort();
  state.stream = null;
}

function handleEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (event === "entry" && data.length) addEntry(JSON.parse(data.join("\n")));
}

// ---- one exchange ----------------------------------------------------

$("#detail-close").addEventListener("click", () => {
  $("#detail").hidden = true;
  state.selected = null;
  renderJournal();
});
for (const b of document.querySelectorAll(".subtabs button")) {
  b.addEventListener("click", () => showSub(b.dataset.sub));
}
function showSub(name) {
  for (const b of document.querySelectorAll(".subtabs button")) b.classList.toggle("on", b.dataset.sub === name);
  $("#sub-exchange").hidden = name !== "exchange";
  $("#sub-why").hidden = name !== "why";
}

async function openEntry(id) {
  state.selected = id;
  renderJournal();
  const { ok, data } = await api("/__odmock/journal/" + id);
  $("#detail").hidden = false;
  if (!ok) {
    $("#detail-title").textContent = "#" + id;
    $("#sub-exchange").replaceChildren(h("p", { class: "error" }, data.message));
    return;
  }
  const e = data.entry;
  $("#detail-title").textContent = `#${e.id} ${e.method} ${e.status || "fault"}`;
  $("#sub-exchange").replaceChildren(...renderExchange(data));
  $("#sub-why").replaceChildren(h("p", { class: "muted" }, "…"));
  renderWhy(id, "");
}

function headerTable(hs) {
  if (!hs) return h("p", { class: "muted" }, "not kept (over 4 KiB)");
  const names = Object.keys(hs).sort();
  return h("table", { class: "kv" }, names.map((n) => hs[n].map((v) => h("tr", {}, h("th", {}, n), h("td", {}, v)))));
}

function renderExchange(d) {
  const e = d.entry;
  const url = location.origin + e.path + (e.query ? "?" + e.query : "");
  const headers = Object.entries(d.request_headers || {}).filter(([n]) => !/^(host|content-length|connection|accept-encoding|user-agent)$/i.test(n));
  const hdrs = headers.map(([n, vs]) => [n, n.toLowerCase() === "authorization" ? vs[0].split(" ")[0] + " $TOKEN" : vs[0]]);
  const curl = ["curl", ...(e.method !== "GET" ? ["-X", e.method] : []), ...hdrs.flatMap(([n, v]) => ["-H", shq(n + ": " + v)]), shq(url)].join(" ");
  const fetchCode = `await fetch(${JSON.stringify(url)}, {\n  method: ${JSON.stringify(e.method)},\n  headers: ${JSON.stringify(Object.fromEntries(hdrs.map(([n, v]) => [n, v.replace("$TOKEN", "${TOKEN}")])), null, 2).replace(/\n/g, "\n  ").replace(/"([^"]*\$\{TOKEN\}[^"]*)"/g, "`$1`")},\n});`;
  const out = [
    h("dl", { class: "facts" },
      h("dt", {}, "query"), h("dd", { class: "mono" }, decodedQuery(e) || "(none)"),
      h("dt", {}, "status"), h("dd", {}, String(e.status || "no answer"), e.outcome ? " · " + e.outcome : ""),
      h("dt", {}, "latency"), h("dd", {}, e.latency_ms + " ms"),
      h("dt", {}, "session"), h("dd", {}, e.session || "-"),
      h("dt", {}, "scenario"), h("dd", {}, e.scenario ? e.scenario + (e.rule ? " · rule " + e.rule : "") : "-"),
      h("dt", {}, "risks"), h("dd", {}, (e.risks || []).join(", ") || "-")),
    h("div", { class: "copy" },
      h("button", { id: "copy-curl", onclick: (ev) => copy(ev.target, curl) }, "Copy as curl"),
      h("button", { id: "copy-fetch", onclick: (ev) => copy(ev.target, fetchCode) }, "Copy as fetch")),
    h("details", { open: true }, h("summary", {}, "Request headers"), headerTable(d.request_headers)),
    h("details", {}, h("summary", {}, "Answer headers"), headerTable(d.response_headers)),
    h("details", { open: true }, h("summary", {}, `Answer body · ${fmtBytes(d.body_size)}${d.body_truncated ? " (first " + fmtBytes(d.body.length) + " shown)" : ""}`),
      d.body_note ? h("p", { class: "muted" }, d.body_note) : null,
      renderBody(d.body, d.body_truncated)),
  ];
  return out;
}

function shq(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }
function fmtBytes(n) { return n < 1024 ? n + " B" : n < 1 << 20 ? (n / 1024).toFixed(1) + " KiB" : (n / (1 << 20)).toFixed(1) + " MiB"; }

async function copy(button, text) {
  try { await navigator.clipboard.writeText(text); } catch { /* shown below instead */ }
  button.dataset.copied = text;
  const old = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = old), 1200);
  const pre = button.parentElement.querySelector("pre") || button.parentElement.appendChild(h("pre", { class: "code" }));
  pre.textContent = text;
}

// renderBody shows JSON as a tree whose objects and arrays fold.
function renderBody(body, truncated) {
  if (!body) return h("p", { class: "muted" }, "(empty)");
  let v;
  try { v = JSON.parse(body); } catch { return h("pre", { class: "code" }, body + (truncated ? "\n…" : "")); }
  return h("div", { class: "json" }, jsonNode(v, 0));
}

function jsonNode(v, depth) {
  if (v === null || typeof v !== "object") return h("span", { class: "j-" + (v === null ? "null" : typeof v) }, JSON.stringify(v));
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
  const open = Array.isArray(v) ? "[" : "{";
  const close = Array.isArray(v) ? "]" : "}";
  if (!entries.length) return h("span", {}, open + close);
  return h("details", { open: depth < 3 ? true : null, class: "j-node" },
    h("summary", {}, open, h("span", { class: "muted" }, ` ${entries.length} ${Array.isArray(v) ? "items" : "keys"} `)),
    h("div", { class: "j-body" }, entries.map(([k, x]) => h("div", {}, Array.isArray(v) ? null : h("span", { class: "j-key" }, JSON.stringify(k) + ": "), jsonNode(x, depth + 1)))),
    h("span", {}, close));
}

// ---- why this answer -------------------------------------------------

async function renderWhy(id, user) {
  const { ok, data } = await api(`/__odmock/explain?id=${id}` + (user ? "&user=" + encodeURIComponent(user) : ""));
  const box = $("#sub-why");
  if (!ok) { box.replaceChildren(h("p", { class: "error" }, data.message)); return; }
  const form = h("form", { class: "filters", id: "why-user-form", onsubmit: (ev) => { ev.preventDefault(); renderWhy(id, ev.target.elements.user.value.trim()).then(() => showSub("why")); } },
    h("label", {}, "why is user ", h("input", { name: "user", id: "why-user", value: user || "", placeholder: "user id, e.g. user_12345" }), " (not) in the answer?"),
    h("button", { type: "submit" }, "Explain"));
  box.replaceChildren(
    data.notes.length ? h("ul", { class: "notes" }, data.notes.map((n) => h("li", {}, n))) : null,
    h("h3", {}, "Checks, in the order odmock made them"),
    h("ol", { class: "checks" }, groupChecks(data.checks).map((c) => h("li", { class: "r-" + c.result + (c.quiet ? " quiet" : "") }, h("span", { class: "badge" }, c.result), h("strong", {}, c.check), " ", h("span", {}, c.detail)))),
    data.engine ? renderEngine(data.engine, data.data) : null,
    data.engine ? form : null,
    data.user ? renderVerdict(data.user) : null);
}

// groupChecks folds the run of optional parameters not given into one
// line: each passed, and there is nothing to say of them one by one.
function groupChecks(checks) {
  const out = [];
  let run = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]);
    else if (run.length) out.push({ check: run.map((c) => c.check).join(", "), result: "pass", detail: "not given (nullable)", quiet: true });
    run = [];
  };
  for (const c of checks) {
    if (c.result === "pass" && c.detail.startsWith("not given: nullable")) { run.push(c); continue; }
    flush();
    out.push(c);
  }
  flush();
  return out;
}

function renderEngine(e, from) {
  const rows = [["users with messages in the range", e.in_range, ""]];
  for (const st of e.steps) rows.push([`${st.param} ${st.test}`, st.after, `${st.before} → ${st.after}`]);
  const top = Math.max(1, e.in_range);
  return h("div", { class: "engine" },
    h("h3", {}, "The engine's arithmetic", h("span", { class: "muted" }, " · from " + from)),
    h("p", { class: "muted span" }, `${e.from} to ${e.to}: ${e.messages_in_range} user messages`),
    e.inverted ? h("p", { class: "error" }, "from is after to: the range is empty") : null,
    h("table", { class: "funnel" }, rows.map(([label, n, note]) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = (100 * n) / top + "%";
      return h("tr", { class: "step" }, h("th", {}, label), h("td", { class: "barcell" }, bar), h("td", { class: "num count" }, n), h("td", { class: "muted" }, note));
    })),
    h("p", { class: "result", id: "why-result" }, `${e.users} user${e.users === 1 ? "" : "s"} kept, ${e.messages} message${e.messages === 1 ? "" : "s"} returned.`));
}

function renderVerdict(v) {
  return h("div", { class: "verdict v-" + v.verdict, id: "why-verdict" },
    h("h3", {}, v.user_id, " · ", v.verdict),
    h("p", {}, v.reason),
    v.filter ? h("p", { class: "mono" }, `${v.filter.param} = ${v.filter.value === null ? "null" : JSON.stringify(v.filter.value)}  ✗  ${v.filter.pattern}`) : null,
    v.bot_messages_in_range.length ? h("p", { class: "muted" }, "bot messages in the range: " + v.bot_messages_in_range.join(", ")) : null);
}

// ---- scenarios -------------------------------------------------------

async function loadScenarios() {
  const { data } = await api("/__odmock/info");
  state.info = data;
  $("#active-global").textContent = data.active || "none";
  $("#scenario-list").replaceChildren(...data.scenarios.map((sc) =>
    h("div", { class: "card scenario", "data-name": sc.name },
      h("h3", {}, sc.name, data.active === sc.name ? h("span", { class: "badge on" }, "active") : null),
      h("p", {}, sc.description || h("span", { class: "muted" }, "no description")),
      h("p", { class: "muted mono" }, sc.file),
      h("table", { class: "grid" }, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "rule"), h("th", {}, "when"), h("th", {}, "answer"))),
        h("tbody", {}, sc.rules.map((r, i) => h("tr", {}, h("td", {}, i + 1), h("td", {}, r.name), h("td", {}, r.when), h("td", {}, r.answer))))))));
}

$("#switch-scope").addEventListener("change", () => { $("#switch-session-label").hidden = $("#switch-scope").value !== "session"; });
$("#switch-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const session = $("#switch-scope").value === "session" ? $("#switch-session").value.trim() : "";
  if ($("#switch-scope").value === "session" && !session) { $("#switch-result").textContent = "name the session (its X-Odmock-Session)"; return; }
  const name = $("#switch-name").value;
  const { ok, data } = await api("/__odmock/scenario", { method: "PUT", body: { name, session } });
  $("#switch-result").textContent = ok ? `${session ? "session " + session : "the server"} now: ${data.scenario || "no scenario"}` : data.message;
  loadScenarios();
});
$("#reset-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const session = $("#reset-session").value.trim();
  await api("/__odmock/reset" + (session ? "?session=" + encodeURIComponent(session) : ""), { method: "POST", body: {} });
  $("#reload-result").replaceChildren(h("p", { class: "ok" }, `call counters reset (${session || "every session"})`));
});
$("#reload").addEventListener("click", async () => {
  const { ok, data } = await api("/__odmock/reload", { method: "POST", body: {} });
  $("#reload-result").replaceChildren(ok
    ? h("p", { class: "ok" }, `reloaded: ${data.scenarios.length} scenarios`)
    : h("div", { class: "problems" }, h("p", { class: "error" }, data.message), h("pre", { class: "code" }, (data.problems || []).join("\n"))));
  loadScenarios();
});

// ---- coverage --------------------------------------------------------

async function loadCoverage() {
  const session = $("#cov-session").value.trim();
  const { data } = await api("/__odmock/coverage" + (session ? "?session=" + encodeURIComponent(session) : ""));
  const missing = new Set(data.missing);
  $("#cov-summary").textContent = `${data.requests} requests · ${state.info.behaviours.length - missing.size} of ${state.info.behaviours.length} behaviours exercised` + (session ? "" : " (all sessions: name one to exercise what is missing)");
  $("#cov-table tbody").replaceChildren(...state.info.behaviours.map((b) =>
    h("tr", { class: missing.has(b) ? "missing" : "exercised", "data-behaviour": b },
      h("td", { class: "mono" }, b),
      h("td", { class: "num" }, data.behaviours[b] || 0),
      h("td", {}, missing.has(b)
        ? (session ? h("button", { class: "exercise", onclick: () => exercise(b, session) }, "Exercise") : h("span", { class: "badge" }, "missing"))
        : h("span", { class: "badge on" }, "✓")))));
  $("#risk-table tbody").replaceChildren(...Object.entries(data.risks).map(([r, n]) => h("tr", { class: n ? "taken" : "" }, h("td", { class: "mono" }, r), h("td", { class: "num" }, n))));
}

async function exercise(behaviour, session) {
  const { ok, data } = await api("/__odmock/exercise", { method: "POST", body: { behaviour, session } });
  $("#cov-last").textContent = ok ? `sent ${data.request}${data.prefer ? " with Prefer: " + data.prefer : ""} in session ${session}: ${data.status}` : data.message;
  await loadCoverage();
}
$("#coverage-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadCoverage(); });

// ---- data ------------------------------------------------------------

const data = { offset: 0, limit: 25, total: 0, built: false };

function buildDataFilters() {
  if (data.built) return;
  data.built = true;
  const form = $("#data-filters");
  form.replaceChildren(...state.info.attributes.map((a) => h("label", {}, a, " ", h("input", { name: a, size: 10, placeholder: "LIKE %…%" }))));
  form.addEventListener("input", () => { data.offset = 0; loadUsers(); });
  form.addEventListener("submit", (ev) => ev.preventDefault());
  $("#users-prev").addEventListener("click", () => { data.offset = Math.max(0, data.offset - data.limit); loadUsers(); });
  $("#users-next").addEventListener("click", () => { if (data.offset + data.limit < data.total) { data.offset += data.limit; loadUsers(); } });
}

async function loadData() {
  buildDataFilters();
  await Promise.all([loadUsers(), loadCharts()]);
}

async function loadUsers() {
  const filters = new URLSearchParams();
  for (const input of $("#data-filters").elements) if (input.value.trim()) filters.set(input.name, input.value.trim());
  const [from, to] = state.info.window;
  // Written as the public page writes its examples: spaces as %20, ":" as it is.
  const apiQS = Object.entries({ from, to, ...Object.fromEntries(filters) })
    .map(([k, v]) => k + "=" + encodeURIComponent(v).replace(/%3A/g, ":")).join("&");
  $("#data-qs").textContent = state.info.api + "?" + apiQS;
  const { data: page } = await api(`/__odmock/data/users?offset=${data.offset}&limit=${data.limit}&` + filters);
  data.total = page.total;
  $("#users-page").textContent = page.total ? `${data.offset + 1}–${data.offset + page.users.length} of ${page.total}` : "no user matches";
  $("#users-table tbody").replaceChildren(...page.users.map((u) =>
    h("tr", { "data-id": u.id, onclick: () => loadChat(u.id) },
      h("td", { class: "mono" }, u.id), h("td", {}, u.name ?? "null"), h("td", {}, u.attributes.country ?? ""),
      h("td", {}, u.attributes.platform ?? ""), h("td", {}, u.attributes.browser ?? ""),
      h("td", { class: "num" }, u.messages), h("td", { class: "num muted" }, u.bot_messages))));
}

async function loadChat(id) {
  const { ok, data: u } = await api("/__odmock/data/user?id=" + encodeURIComponent(id));
  if (!ok) return;
  $("#chat-title").textContent = `${u.name ?? "(no name)"} · ${u.id}`;
  $("#chat-hint").textContent = Object.entries(u.attributes).map(([k, v]) => `${k}: ${v}`).join(" · ");
  let day = "";
  const items = [];
  for (const m of u.messages) {
    if (m.date.slice(0, 10) !== day) { day = m.date.slice(0, 10); items.push(h("div", { class: "day" }, day)); }
    items.push(h("div", { class: "msg " + (m.bot ? "bot" : "me") },
      h("div", { class: "bubble" }, m.text || h("em", {}, "(" + m.type + ")")),
      h("div", { class: "meta" }, m.date.slice(11) + " UTC · " + m.type + (m.bot ? " · bot: never returned by the API" : "") + (m.data !== null ? " · data " + JSON.stringify(m.data) : ""))));
  }
  $("#chat").replaceChildren(...items);
}

async function loadCharts() {
  const { data: st } = await api("/__odmock/data/stats");
  $("#charts").replaceChildren(
    chartCard(`User messages per day (UTC) · ${st.user_messages}${st.sampled_from ? " in the sample" : " in all"}, +${st.bot_messages} bot${st.whole ? ` (${st.whole.user_messages} in all)` : ""}`, columns(st.messages_per_day.map((c) => [c.value.slice(5), c.count]))),
    chartCard("User messages per hour, on the user's clock (UTC without a time zone)", columns(st.messages_per_local_hour.map((n, i) => [String(i).padStart(2, "0"), n]))),
    chartCard(`Users per country · ${st.users} users${st.sampled_from ? ` (a sample of ${st.sampled_from})` : ""}`, hbars(st.countries.slice(0, 12))),
    chartCard("Users per platform", hbars(st.platforms.slice(0, 12))));
}

function chartCard(title, svg) { return h("div", { class: "card chart" }, h("h3", {}, title), svg); }

// columns draws a column chart of [label, value] pairs.
function columns(pairs) {
  const W = 420, H = 160, pad = 18;
  const max = Math.max(1, ...pairs.map((p) => p[1]));
  const bw = (W - pad) / Math.max(1, pairs.length);
  const every = Math.ceil(pairs.length / 12);
  return s("svg", { viewBox: `0 0 ${W} ${H + 16}`, class: "chart-svg", role: "img" },
    pairs.map(([label, v], i) => {
      const bh = ((H - pad) * v) / max;
      return s("g", {},
        s("rect", { x: pad + i * bw + 1, y: H - bh, width: Math.max(1, bw - 2), height: bh, class: "col" }, s("title", {}, `${label}: ${v}`)),
        i % every === 0 ? s("text", { x: pad + i * bw + bw / 2, y: H + 12, "text-anchor": "middle", class: "tick" }, label) : null);
    }),
    s("text", { x: 0, y: 10, class: "tick" }, String(max)));
}

// hbars draws horizontal bars of counts.
function hbars(counts) {
  const W = 420, row = 16, H = counts.length * row;
  const max = Math.max(1, ...counts.map((c) => c.count));
  return s("svg", { viewBox: `0 0 ${W} ${H + 4}`, class: "chart-svg", role: "img" },
    counts.map((c, i) => s("g", {},
      s("text", { x: 0, y: i * row + 12, class: "tick" }, c.value || "(none)"),
      s("rect", { x: 90, y: i * row + 2, width: Math.max(1, ((W - 140) * c.count) / max), height: row - 4, class: "col" }),
      s("text", { x: 94 + ((W - 140) * c.count) / max, y: i * row + 12, class: "tick" }, String(c.count)))));
}

start().catch((e) => {
  document.body.append(h("p", { class: "error" }, "odmock console: " + e.message));
});
