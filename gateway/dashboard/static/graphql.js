// A tiny GraphQL client: POST /graphql with the stored key; errors are thrown, never swallowed.
import { apiKey } from "./key.js";

export class GraphQLError extends Error {}

export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey()}` },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok && !(body && body.errors)) {
    const why = body && (body.detail || body.message) ? JSON.stringify(body.detail || body.message) : "";
    throw new GraphQLError(`HTTP ${response.status} ${response.statusText} ${why}`.trim());
  }
  if (body.errors && body.errors.length) {
    throw new GraphQLError(body.errors.map((e) => {
      const code = e.extensions && e.extensions.code ? ` [${e.extensions.code}]` : "";
      return `${e.message}${code}`;
    }).join("\n"));
  }
  return body.data;
}
