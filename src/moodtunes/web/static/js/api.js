/* Talking to the server: one fetch wrapper with a timeout and the server's error messages,
   and AbortController-based superseding, so an answer nobody waits for any more is dropped. */

import { CSRF_TOKEN, ROOT } from './config.js';
import { capitalize, sentence } from './text.js';

const REQUEST_TIMEOUT_MS = 10000;
// Methods that only read; every other request carries the page's CSRF token in a header, which
// no other site's form or fetch can send.
const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const superseded = () => new DOMException('A newer request took its place.', 'AbortError');

// True for the error of a request that its caller aborted: not a problem to show anyone.
export const isAbort = (err) => Boolean(err) && err.name === 'AbortError';

// A JSON request to the server. `signal` aborts it (the promise rejects with an AbortError,
// also when the answer arrived meanwhile); other failures are ApiErrors with a message for people.
export async function api(path, {
  method = 'GET', body, json, headers = {}, timeoutMs = REQUEST_TIMEOUT_MS, signal,
} = {}) {
  if (signal && signal.aborted) throw superseded();
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (!SAFE_METHODS.includes(method.toUpperCase())) init.headers['X-CSRF-Token'] = CSRF_TOKEN;
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
  const abort = () => controller.abort(superseded());
  if (signal) signal.addEventListener('abort', abort, { once: true });
  init.signal = controller.signal;

  let response;
  let data = null;
  try {
    response = await fetch(ROOT + path, init);
    data = await response.json().catch(() => null);
  } catch (err) {
    if (signal && signal.aborted) throw superseded();
    if (controller.signal.aborted && navigator.onLine !== false) {
      throw new ApiError('The server took too long to answer.', 0, 'timeout');
    }
    const message = navigator.onLine === false ? 'You seem to be offline.' : "Can't reach the server.";
    throw new ApiError(message, 0, 'network');
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', abort);
  }
  if (signal && signal.aborted) throw superseded();
  if (!response.ok) {
    const message = data && typeof data.message === 'string' && data.message
      ? capitalize(data.message)
      : `The server answered with an error (${response.status}).`;
    throw new ApiError(message, response.status, (data && data.error) || 'http');
  }
  return data;
}

export function errorText(err) {
  return sentence((err && err.message) || 'Something went wrong');
}

// One request of a kind at a time: next() aborts the one before and gives the new one's signal.
export class Latest {
  #controller = null;

  next() {
    this.abort();
    this.#controller = new AbortController();
    return this.#controller.signal;
  }

  abort() {
    if (this.#controller) this.#controller.abort();
    this.#controller = null;
  }
}
