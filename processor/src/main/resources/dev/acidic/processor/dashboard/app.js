// The dashboard's entry point: routes by the URL's fragment, so the server serves one page and
// every view is a link (#/, #/jobs?status=FAILED, #/jobs/<key>), and keeps the header's health
// badge current. No framework and no build step; see core.js for the rules on user data.

import { AuthNeeded, api, el, initAuth } from './core.js';
import { renderOverview } from './overview.js';
import { renderJobs } from './jobs.js';
import { renderJob } from './job.js';

const HEALTH_MS = 10000;
let current = null;

function route() {
  if (current) current.stop();
  current = null;
  const hash = location.hash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?'); // a key's '?' is encoded (%3F), so the first one starts the query
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const view = document.getElementById('view');
  view.replaceChildren();
  document.getElementById('nav-overview').classList.toggle('active', path === '/');
  document.getElementById('nav-jobs').classList.toggle('active', path.startsWith('/jobs'));
  if (path === '/') {
    current = renderOverview(view);
    document.title = 'Acidic · overview';
  } else if (path === '/jobs' || path === '/jobs/') {
    current = renderJobs(view, params);
    document.title = 'Acidic · jobs';
  } else if (path.startsWith('/jobs/')) {
    let key;
    try {
      key = decodeURIComponent(path.slice('/jobs/'.length));
    } catch (e) {
      view.append(el('p', { class: 'error' }, 'This link holds a badly encoded key.'));
      return;
    }
    current = renderJob(view, key);
    document.title = 'Acidic · ' + key;
  } else {
    view.append(el('h1', null, 'No such page'), el('p', null, el('a', { href: '#/' }, 'Go to the overview')));
  }
}

async function health() {
  const badge = document.getElementById('health');
  try {
    const r = await api('/health/ready');
    const up = r.body && r.body.status === 'UP';
    badge.textContent = up ? 'ready' : 'not ready';
    badge.title = r.body && r.body.degraded ? r.body.degraded.join('; ') : '';
    badge.className = 'health ' + (up ? 'up' : 'down');
  } catch (e) {
    badge.textContent = e instanceof AuthNeeded ? '' : 'unreachable';
    badge.className = 'health down';
  }
  setTimeout(health, HEALTH_MS);
}

initAuth(route);
window.addEventListener('hashchange', route);
route();
health();
