/*
 * api.js -- the JSON API client.
 *
 * Sends the session cookie (same origin) and, on every request that is not
 * a GET, the X-CSRF-Token header from the last login or /me.  Errors come
 * back as ApiError with the server's {"error":{"code","message","field"}}.
 * A 401 from any call except the login itself runs the handler set by
 * onUnauthorized (the app shows the login page).  /me, the login, the
 * settings and /healthz carry the server's clock, which clock.js keeps.
 */

import { learn } from './clock.js';

let csrf = null;
let unauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message, field, info) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.field = field || null;
    this.info = info || {};              // the whole "error" object (reason, …)
    this.reason = this.info.reason || '';
  }
}

export function setCsrf(token) {
  csrf = token || null;
}

export function onUnauthorized(fn) {
  unauthorized = fn;
}

/* Query string from an object; empty values are left out. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '')
      u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/* The answers that carry the server's clock ("today", "now"): the browser's
 * "today" is the server's (clock.js). */
const CLOCK_PATHS = /^\/(api\/v1\/(me|session|settings)|healthz)(\?|$)/;

/*
 * api(method, path, body, opts) -> parsed JSON (null for 204).
 * opts.noAuthRedirect: do not treat 401 as "session ended" (login, /me).
 */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.raw !== undefined) {
    /* A file as it is (imports): the bytes, not JSON. */
    headers['Content-Type'] = 'application/octet-stream';
    init.body = opts.raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf)
    headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message);
  }
  if (res.status === 204)
    return null;
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const e = new ApiError(res.status, err.code, err.message || res.statusText, err.field, err);
    e.body = data;                       // the whole answer (an import's "errors" beside "error")
    if (res.status === 401 && !opts.noAuthRedirect && unauthorized)
      unauthorized(e);
    throw e;
  }
  if (CLOCK_PATHS.test(path))
    learn(data);
  return data;
}

export const get = (path, params, opts) => api('GET', path + qs(params), undefined, opts);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);
/* POST a File or Blob as the raw request body. */
export const upload = (path, params, file, opts = {}) => api('POST', path + qs(params), undefined, { ...opts, raw: file });

/*
 * POST a File as the raw request body, reporting progress: onProgress(sent,
 * total) as the bytes go out (fetch cannot tell upload progress, XHR can).
 * Resolves with the parsed JSON answer; fails with an ApiError like api().
 */
export function uploadProgress(path, params, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', path + qs(params));
    x.withCredentials = true;
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrf)
      x.setRequestHeader('X-CSRF-Token', csrf);
    if (onProgress)
      x.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    x.addEventListener('error', () => reject(new ApiError(0, 'network', 'network error')));
    x.addEventListener('abort', () => reject(new ApiError(0, 'network', 'aborted')));
    x.addEventListener('load', () => {
      let data = null;
      if ((x.getResponseHeader('Content-Type') || '').includes('json')) {
        try {
          data = JSON.parse(x.responseText);
        } catch {
          data = null;
        }
      }
      if (x.status >= 200 && x.status < 300) {
        resolve(data);
        return;
      }
      const err = (data && data.error) || {};
      const e = new ApiError(x.status, err.code, err.message || x.statusText, err.field, err);
      e.body = data;
      if (x.status === 401 && unauthorized)
        unauthorized(e);
      reject(e);
    });
    x.send(file);
  });
}
