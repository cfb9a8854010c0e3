// The example client against a running odmock (ODMOCK_URL, ODMOCK_TOKEN):
// node --test dist/test/ once tsc has compiled it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { interactionsClient } from "../src/client.js";

const baseUrl = process.env.ODMOCK_URL ?? "http://127.0.0.1:8080";
const token = process.env.ODMOCK_TOKEN ?? "odmock-dev-token";
const day = { from: "2024-01-15 00:00:00", to: "2024-01-15 23:59:59" };

test("a valid query returns the users, typed", async () => {
  const got = await interactionsClient(baseUrl, token).fetch({ ...day, user_id: "user_12345" }, { session: "typescript" });
  assert.equal(got.kind, "data");
  if (got.kind !== "data") return;
  assert.equal(got.users.length, 1);
  const john = got.users[0];
  assert.ok(john);
  assert.equal(john.user_id, "user_12345");
  assert.equal(john.chatbot_user_data.name, "John Doe");
  assert.ok(john.interactions.some((i) => i.type === "button" && i.text === "Help with my order"));
});

test("a 422 is read through the types: errors by field", async () => {
  const got = await interactionsClient(baseUrl, token).fetch({ from: "2024-01-15", to: day.to }, { session: "typescript" });
  assert.equal(got.kind, "invalid");
  if (got.kind !== "invalid") return;
  assert.deepEqual(got.errors["from"], ["The from does not match the format Y-m-d H:i:s."]);
  assert.equal(got.message, "The given data was invalid."); // Laravel 9's, as the real server says it
});

test("no token is a 401 with the API's message", async () => {
  const got = await interactionsClient(baseUrl, undefined).fetch(day, { session: "typescript" });
  assert.deepEqual(got, { kind: "error", status: 401, message: "Unauthenticated." });
});
