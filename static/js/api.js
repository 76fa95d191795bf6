// Talking to the hub: a short-lived access token traded for the session cookie, and a fetch
// wrapper for the REST API. The token lives in this module's memory only: never in
// localStorage, where any script that ever ran on this origin could read it later.

const xsrf = document.querySelector('meta[name="xsrf-token"]').content;
let token = null;
let expiresAt = 0;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Set when the sign-out form is sent: the server ends the session and closes this page's socket
// before the browser has left, and a reconnect meeting the ended session (401) must neither ask
// for a token nor send the browser to sign-in with a `next` instead of the form's own landing.
let leaving = false;
document.addEventListener('submit', (event) => {
  if (event.target.closest('form.signout')) leaving = true;
});

export function signIn() {
  if (leaving) return;
  const next = location.pathname + location.search;
  location.assign('/signin?next=' + encodeURIComponent(next));
}

// A fresh token for each socket (it may outlive the cached one) and whenever the cached one
// is within a minute of expiry. A signed-out session (401) or a lost XSRF cookie (403) means
// the page can no longer act for anyone: back to sign-in.
export async function accessToken({ fresh = false } = {}) {
  if (leaving) throw new ApiError(0, 'SIGNED_OUT', 'Signing out');
  if (!fresh && token && Date.now() < expiresAt - 60_000) return token;
  const response = await fetch('/ui/token', {
    method: 'POST',
    headers: { 'X-XSRFToken': xsrf },
    credentials: 'same-origin',
  });
  if (response.status === 401 || response.status === 403) {
    signIn();
    throw new ApiError(response.status, 'SIGNED_OUT', 'Your session has ended');
  }
  if (!response.ok) throw new ApiError(response.status, 'UNAVAILABLE', 'The hub is not answering');
  const data = await response.json();
  token = data.accessToken;
  expiresAt = Date.now() + data.expiresIn * 1000;
  return token;
}

async function send(method, path, body, bearer) {
  const headers = { Authorization: 'Bearer ' + bearer };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch('/api/v1' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit', // the API takes the bearer token, never the cookie
  });
}

// Call the REST API; resolve to the envelope's data, or throw an ApiError with its code.
export async function api(method, path, body) {
  let response = await send(method, path, body, await accessToken());
  if (response.status === 401) {
    // The cached token expired early (clock skew, a restart with a new secret): retry once.
    response = await send(method, path, body, await accessToken({ fresh: true }));
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // not JSON: fall through to the generic error below
  }
  if (response.ok && payload && payload.success) return payload.data;
  const error = (payload && payload.error) || {};
  throw new ApiError(response.status, error.code || 'ERROR', error.message || 'Request failed (' + response.status + ')');
}

// A server-rendered fragment (post cards): same-origin GET with the session cookie.
export async function fragment(path) {
  const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (response.status === 401) {
    signIn();
    return null;
  }
  if (!response.ok) return null; // e.g. 404: the post was deleted meanwhile
  const template = document.createElement('template');
  // Parsed into an inert template, never into the live page: the HTML was sanitized on the
  // server, and scripts in a template element do not run anyway.
  template.innerHTML = await response.text();
  return template.content.querySelector('.fragment');
}
