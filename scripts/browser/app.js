// A browser app calling odmock from another origin: the bearer token in
// the Authorization header makes every request preflighted (CORS).
"use strict";

const params = new URLSearchParams(location.search);
const api = (params.get("api") || "http://127.0.0.1:8080").replace(/\/$/, "");
const token = params.get("token") || "odmock-dev-token";
const session = params.get("session") || "";

const $ = (id) => document.getElementById(id);
$("api").textContent = "API: " + api;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, attrs);
  e.append(...children);
  return e;
}

function showError(status, message, errors) {
  $("error-status").textContent = status;
  $("error-message").textContent = message;
  $("error-fields").replaceChildren(
    ...Object.entries(errors).flatMap(([field, msgs]) =>
      msgs.map((m) => el("li", { className: "field-error" }, `${field}: ${m}`))));
  $("error").hidden = false;
}

function render(data) {
  const cards = [];
  for (const group of data) {
    for (const [id, u] of Object.entries(group)) {
      const who = u.chatbot_user_data || {};
      cards.push(el("section", { className: "user", id: "user-" + id },
        el("h2", {}, `${who.name || "Anonymous"} `, el("small", {}, `(${id})`)),
        el("div", { className: "meta" },
          [who.email, u.selected_scenario, u.browser].filter(Boolean).join(" · ")),
        el("ol", {}, ...u.interactions.map((i) =>
          el("li", { className: "interaction" },
            el("span", { className: "type" }, i.type),
            el("time", { dateTime: i.date }, i.date.slice(11, 16)),
            el("span", { className: "text" }, i.text || ""))))));
    }
  }
  $("results").replaceChildren(...cards);
  return cards.length;
}

async function load(event) {
  event.preventDefault();
  const q = new URLSearchParams();
  for (const name of ["from", "to", "selected_scenario", "user_id"]) {
    const v = $(name).value.trim();
    if (v !== "" || name === "from" || name === "to") q.set(name, v);
  }
  const headers = { Authorization: "Bearer " + token, Accept: "application/json" };
  if (session) headers["X-Odmock-Session"] = session;
  $("status").textContent = "Loading…";
  let resp, body;
  try {
    resp = await fetch(`${api}/public/api/user-interactions?${q}`, { headers });
    body = await resp.json();
  } catch (e) {
    // A CORS failure looks like this: the browser hides the answer.
    showError("Network error", e.message, {});
    $("status").textContent = "The request failed.";
    return;
  }
  if (!resp.ok) {
    showError(`${resp.status}`, body.message, body.errors || {});
    $("status").textContent = `Request failed (${resp.status}); showing the last results.`;
    return;
  }
  $("error").hidden = true;
  const n = render(body.data);
  $("status").textContent = `${n} user${n === 1 ? "" : "s"} with messages.`;
}

$("query").addEventListener("submit", load);
