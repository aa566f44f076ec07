// What every page shares: the API (with the bearer token), building DOM from data, formatting.
//
// Keys, arguments and errors are user data. They reach the page only as text nodes and attribute
// values (el() below), never as markup: nothing here sets innerHTML. The server's CSP allows no
// inline script or style, so styling goes through classes and SVG attributes.

const TOKEN_KEY = 'acidic.http.token';
export const STATUSES = ['RUNNING', 'HALTED', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** Thrown when the API answered 401: the page shows the token form and waits. */
export class AuthNeeded extends Error {}

let onToken = () => {};

/** Wires the token form; {@code retry} re-renders the current page once a token was given. */
export function initAuth(retry) {
  onToken = retry;
  const form = document.getElementById('auth');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const input = document.getElementById('auth-token');
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = '';
    form.hidden = true;
    showForget();
    onToken();
  });
  document.getElementById('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showForget();
    onToken();
  });
  showForget();
}

function showForget() {
  document.getElementById('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY);
}

function askForToken(refused) {
  const form = document.getElementById('auth');
  document.getElementById('auth-message').textContent = refused
    ? 'The processor refused that token. Enter the one in acidic.http.token (ACIDIC_HTTP_TOKEN).'
    : 'This processor needs its bearer token: acidic.http.token (ACIDIC_HTTP_TOKEN).';
  if (form.hidden) {
    form.hidden = false;
    document.getElementById('auth-token').focus();
  }
}

/**
 * Calls the API: {status, ok, body} with the body parsed as JSON. Throws AuthNeeded on 401 (after
 * showing the token form) and an Error when the processor did not answer at all.
 */
export async function api(path, options = {}) {
  const headers = Object.assign({ Accept: 'application/json' }, options.headers || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch(path, Object.assign({}, options, { headers, cache: 'no-store' }));
  } catch (e) {
    throw new Error('the processor did not answer (' + e.message + ')');
  }
  if (res.status === 401) {
    askForToken(Boolean(token));
    throw new AuthNeeded('the API needs the bearer token');
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = { error: text };
  }
  return { status: res.status, ok: res.ok, body };
}

/** GET that answers the body or throws an Error with the API's message. */
export async function getJson(path) {
  const r = await api(path);
  if (!r.ok) throw new Error((r.body && r.body.error) || 'HTTP ' + r.status);
  return r.body;
}

/** POST of a JSON body; answers {status, ok, body} (refusals are answers, not exceptions). */
export function postJson(path, body) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
}

/** An element with attributes (on* are listeners) and children (strings become text nodes). */
export function el(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, like el(). */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function build(e, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.setAttribute('class', v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** The URL fragment of a job's page (any key: '/', '?', '#' and the rest are percent-encoded). */
export function jobHref(key) {
  return '#/jobs/' + encodeURIComponent(key);
}

/** A link to a job's page, showing its key. */
export function jobLink(key) {
  return el('a', { href: jobHref(key), class: 'key', title: key }, key);
}

/** The URL fragment of the jobs list with these filters (empty ones left out). */
export function listHref(f) {
  const q = new URLSearchParams();
  if (f.status && f.status.length) q.set('status', f.status.join(','));
  if (f.job) q.set('job', f.job);
  if (f.since) q.set('since', f.since);
  if (f.before) q.set('before', f.before);
  const s = q.toString();
  return '#/jobs' + (s ? '?' + s : '');
}

export function statusBadge(status) {
  const known = STATUSES.includes(status) || status === 'UP' || status === 'DOWN';
  return el('span', { class: 'status ' + (known ? 'status-' + status.toLowerCase() : 'status-other') }, status || '—');
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** A local time, seconds precision ("2025-05-01 14:03:09"); the ISO instant goes in the title. */
export function time(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  const text = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' '
    + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  return el('time', { datetime: iso, title: iso }, text);
}

export function clock(iso) {
  const d = new Date(iso);
  return pad(d.getHours()) + ':' + pad(d.getMinutes());
}

/** A duration in ms, short ("850 ms", "4.2 s", "3 min 4 s", "2 h 5 min"). */
export function duration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return ms + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
  const s = Math.round(ms / 1000);
  if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
}

/** JSON as an indented, escaped block. */
export function jsonBlock(value) {
  return el('pre', { class: 'json' }, value === undefined ? '' : JSON.stringify(value, null, 2));
}

/** A one-line JSON text for tables. */
export function jsonInline(value) {
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/** An error's one-line text: "Type: message". */
export function errorText(error) {
  if (!error) return '';
  return (error.type ? error.type + ': ' : '') + (error.message || '');
}

/** What a page shows when its data could not be read. */
export function failure(e) {
  if (e instanceof AuthNeeded) return el('p', { class: 'notice' }, 'Enter the token above to see this page.');
  return el('p', { class: 'error' }, 'Could not load this: ' + e.message);
}

export function section(title, ...children) {
  return el('section', { class: 'card' }, el('h2', null, title), ...children);
}

/** A table; a header given as {num: label} heads a column of numbers (aligned right). */
export function table(headers, rows, attrs) {
  return el('table', attrs,
    el('thead', null, el('tr', null, headers.map((h) => (typeof h === 'object' ? el('th', { class: 'num' }, h.num) : el('th', null, h))))),
    el('tbody', null, rows));
}

/** The job names seen last (overview counts, list rows), offered in the list's job filter. */
export const seenJobs = new Set();
