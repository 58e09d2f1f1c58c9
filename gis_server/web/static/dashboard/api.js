// Calls to the platform's API from the dashboard: the base URL, the signed-in token and JSON fetches.
// The token lives in sessionStorage (this tab only) and goes out as `Authorization: Bearer` to our own
// origin; anonymous callers see what public layers allow.

const TOKEN_KEY = "onemap.token";

export const base = (document.body.dataset.base || "/").replace(/\/?$/, "/");

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/** Headers for a request to `url`: the bearer token, only towards our own origin. */
export function authHeaders(url) {
  const target = new URL(url, window.location.href);
  const value = token();
  return value && target.origin === window.location.origin ? { Authorization: `Bearer ${value}` } : {};
}

/** An error a person can read, from a problem+json body when there is one. */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(`${title}${detail ? `：${detail}` : ""}`);
    this.status = status;
  }
}

/** GET `path` (relative to the service root) as JSON; a non-2xx answer throws an ApiError. */
export async function getJSON(path) {
  const url = new URL(path.replace(/^\//, ""), new URL(base, window.location.href)).toString();
  const response = await fetch(url, { headers: { Accept: "application/json", ...authHeaders(url) } });
  if (!response.ok) {
    let title = `HTTP ${response.status}`;
    let detail = "";
    try {
      const problem = await response.json();
      title = problem.title || title;
      detail = problem.detail || "";
    } catch {
      // not a problem+json body: keep the status line
    }
    throw new ApiError(response.status, title, detail);
  }
  return response.json();
}
