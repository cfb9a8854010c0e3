// An example client of OpenDialog's User Interactions API, typed from
// odmock's openapi.yaml (src/schema.d.ts, made by openapi-typescript) and
// built on openapi-fetch: the query, the answer and each error are typed,
// so a 422's field errors and a 401's message are read through the types.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type UserInteractions = components["schemas"]["UserInteractions"];
export type UserInteractionGroup = components["schemas"]["UserInteractionGroup"];
export type ValidationError = components["schemas"]["ValidationError"];
export type Query = paths["/public/api/user-interactions"]["get"]["parameters"]["query"];

/** What a call gave: the users, a 422's field errors, or another error. */
export type Outcome =
  | { kind: "data"; users: UserInteractionGroup[] }
  | { kind: "invalid"; message: string; errors: ValidationError["errors"] }
  | { kind: "error"; status: number; message: string };

/** A client of the API at baseUrl, sending token as the real API wants it. */
export function interactionsClient(baseUrl: string, token: string | undefined) {
  const client = createClient<paths>({
    baseUrl,
    headers: {
      Accept: "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  });
  return {
    /** Fetches the users' interactions the query selects. */
    async fetch(query: Query, init: { session?: string } = {}): Promise<Outcome> {
      const { data, error, response } = await client.GET("/public/api/user-interactions", {
        params: { query },
        headers: init.session ? { "X-Odmock-Session": init.session } : {},
      });
      if (data) {
        // Each entry is a single-key object: { [user_id]: group }.
        return { kind: "data", users: data.data.flatMap((entry) => Object.values(entry)) };
      }
      if (response.status === 422 && error && "errors" in error) {
        return { kind: "invalid", message: error.message, errors: error.errors };
      }
      return { kind: "error", status: response.status, message: error?.message ?? response.statusText };
    },
  };
}
