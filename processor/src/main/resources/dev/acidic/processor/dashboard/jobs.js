// The jobs list (#/jobs?status=FAILED,CANCELLED&job=NAME&since=1h&before=CURSOR): filters, a page
// of jobs newest first (GET /api/jobs, bounded and index-backed), and paging by the API's cursor.
// The filters live in the URL, so a filtered list can be bookmarked and Back works.

import { STATUSES, el, errorText, failure, getJson, jobLink, listHref, seenJobs, statusBadge, table, time } from './core.js';

export function renderJobs(view, params) {
  const filter = {
    status: (params.get('status') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
    job: params.get('job') || '',
    since: params.get('since') || '',
    before: params.get('before') || '',
  };
  let stopped = false;
  const results = el('div', { id: 'results' }, el('p', { class: 'muted' }, 'Loading…'));
  view.append(el('h1', null, 'Jobs'), form(filter, load), results);

  async function load() {
    const q = new URLSearchParams();
    filter.status.forEach((s) => q.append('status', s));
    if (filter.job) q.set('job', filter.job);
    if (filter.since) q.set('since', filter.since);
    if (filter.before) q.set('before', filter.before);
    try {
      const page = await getJson('/api/jobs?' + q.toString());
      if (!stopped) results.replaceChildren(...rows(page, filter));
    } catch (e) {
      if (!stopped) results.replaceChildren(failure(e));
    }
  }
  load();
  return { stop() { stopped = true; } };
}

function form(filter, reload) {
  const boxes = STATUSES.map((s) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', name: 'status', value: s, id: 'f-status-' + s.toLowerCase(), checked: filter.status.includes(s) }),
    ' ', s));
  const job = el('input', { id: 'f-job', name: 'job', value: filter.job, list: 'f-job-names', placeholder: 'any job', autocomplete: 'off' });
  const since = el('input', { id: 'f-since', name: 'since', value: filter.since, list: 'f-since-choices',
    placeholder: 'any time (15m, 1h, 7d, 2025-05-01)', autocomplete: 'off' });
  const names = el('datalist', { id: 'f-job-names' }, [...seenJobs].sort().map((n) => el('option', { value: n })));
  const choices = el('datalist', { id: 'f-since-choices' }, ['15m', '1h', '6h', '24h', '7d'].map((v) => el('option', { value: v })));
  const f = el('form', { class: 'filters', id: 'filters' },
    el('fieldset', null, el('legend', null, 'Status'), boxes),
    el('label', null, 'Job ', job, names),
    el('label', null, 'Created since ', since, choices),
    el('div', { class: 'buttons' },
      el('button', { type: 'submit', id: 'f-apply' }, 'Apply'),
      el('a', { href: '#/jobs', class: 'button secondary' }, 'Clear'),
      el('button', { type: 'button', class: 'secondary', id: 'f-refresh', onclick: reload }, 'Refresh')));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = listHref({
      status: STATUSES.filter((s) => f.querySelector('#f-status-' + s.toLowerCase()).checked),
      job: job.value.trim(),
      since: since.value.trim(),
    });
    if (location.hash === next) reload();
    else location.hash = next; // the router renders the list anew
  });
  return f;
}

function rows(page, filter) {
  const jobs = page.jobs;
  jobs.forEach((j) => seenJobs.add(j.job));
  const paging = el('p', { class: 'paging' },
    filter.before ? el('a', { href: listHref(Object.assign({}, filter, { before: '' })), id: 'page-newest' }, '« Newest') : null,
    el('span', { class: 'muted' }, jobs.length + (jobs.length === 1 ? ' job' : ' jobs') + (filter.before ? ', older page' : ', newest first')),
    page.next ? el('a', { href: listHref(Object.assign({}, filter, { before: page.next })), id: 'page-older' }, 'Older »') : null);
  if (!jobs.length) return [paging, el('p', { class: 'muted', id: 'no-jobs' }, 'No job matches these filters.')];
  const body = jobs.map((j) => el('tr', { 'data-status': j.status },
    el('td', { class: 'keycell' }, jobLink(j.key)),
    el('td', null, j.job),
    el('td', null, statusBadge(j.status), j.awaiting ? el('span', { class: 'muted' }, ' awaits ' + j.awaiting) : null),
    el('td', { class: 'num' }, String(j.run)),
    el('td', null, j.recoveryPoint),
    el('td', { class: 'num' }, String(j.attempts)),
    el('td', null, time(j.createdAt)),
    el('td', null, time(j.finishedAt || j.lastRunAt)),
    el('td', { class: 'errcell', title: errorText(j.error) }, errorText(j.error))));
  return [table(['Key', 'Job', 'Status', { num: 'Run' }, 'At step', { num: 'Attempts' }, 'Created', 'Ended / last ran', 'Error'], body,
    { id: 'jobs', class: 'jobs' }), paging];
}
