// Talking to the platform: the base URL, the signed-in bearer token (sessionStorage), JSON calls
// whose problem+json errors become readable messages, and MapLibre's request transform that sends
// the token with our own tiles, styles and sprites (never to another host).

const TOKEN_KEY = "onemap.token";

export const BASE = new URL(document.querySelector('meta[name="onemap-base"]')?.content || "/", location.href);

export function url(path) {
  return new URL(path.replace(/^\//, ""), BASE).href;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function ours(target) {
  return new URL(target, BASE).origin === BASE.origin;
}

export function authHeaders(target) {
  const current = token();
  return current && ours(target) ? {Authorization: `Bearer ${current}`} : {};
}

/** MapLibre `transformRequest`: our URLs carry the token. */
export function transformRequest(target) {
  const headers = authHeaders(target);
  return headers.Authorization ? {url: target, headers} : {url: target};
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** A JSON request to the platform. `body` objects are sent as JSON; the answer is parsed JSON
 * (`response` and `headers` too when `full` is set). Errors throw ApiError with the problem. */
export async function api(path, {method = "GET", body, headers = {}, full = false, contentType} = {}) {
  const target = /^https?:/.test(path) ? path : url(path);
  const init = {method, headers: {Accept: "application/json", ...authHeaders(target), ...headers}};
  if (body !== undefined) {
    const raw = body instanceof Blob || body instanceof ArrayBuffer;
    init.body = raw ? body : JSON.stringify(body);
    init.headers["Content-Type"] = contentType || (raw ? body.type || "application/octet-stream" : "application/json");
  }
  return read(await fetch(target, init), full);
}

/** A fetched response's JSON, or ApiError with its problem. */
export async function read(response, full = false) {
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : {detail: text});
  return full ? {data, headers: response.headers, status: response.status} : data;
}

/** What to tell a person about a failed call: the problem's detail, with what is missing or allowed. */
export function problemText(error) {
  if (!(error instanceof ApiError)) return String(error?.message || error);
  const problem = error.problem;
  let text = problem.detail || problem.title || error.message;
  if (Array.isArray(problem.missing) && problem.missing.length) {
    text += `（缺少 / missing: ${problem.missing.map((m) => m.title_zh || m.name).join("、")}）`;
  }
  return text;
}
