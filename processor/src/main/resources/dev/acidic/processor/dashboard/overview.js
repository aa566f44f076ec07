// The overview (#/): health, counts by job and status, jobs finished per minute, consumer lag,
// the instances and their partitions. One GET /api/overview every few seconds (the server keeps
// its counts for 5 s and its group view for 2 s, so many open tabs cost the database little).

import { AuthNeeded, STATUSES, clock, el, failure, getJson, listHref, section, seenJobs, statusBadge, svg, table, time } from './core.js';

const REFRESH_MS = 3000;

export function renderOverview(view) {
  let timer = null;
  let stopped = false;
  const root = el('div', { class: 'overview' }, el('h1', null, 'Overview'), el('p', { class: 'muted' }, 'Loading…'));
  view.append(root);

  async function tick() {
    if (document.hidden) { // a tab in the background reads nothing
      timer = setTimeout(tick, REFRESH_MS);
      return;
    }
    try {
      const o = await getJson('/api/overview');
      if (stopped) return;
      root.replaceChildren(...page(o));
    } catch (e) {
      if (stopped) return;
      root.replaceChildren(el('h1', null, 'Overview'), failure(e));
      if (e instanceof AuthNeeded) return; // the token form re-renders the page
    }
    timer = setTimeout(tick, REFRESH_MS);
  }
  tick();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

function page(o) {
  return [
    el('h1', null, 'Overview'),
    el('p', { class: 'muted' }, 'Instance ', el('code', null, o.instance), ' · counts as of ',
      o.stats ? time(o.stats.at) : '—', ' · refreshes every ' + REFRESH_MS / 1000 + ' s'),
    el('div', { class: 'grid narrow-wide' }, health(o.health), throughput(o.stats)),
    counts(o.stats, o.statsError),
    el('div', { class: 'grid' }, lag(o.group), instances(o.group, o.instance)),
  ];
}

function health(h) {
  return section('Health',
    el('p', null, statusBadge(h.status), ' ', h.status === 'UP' ? 'ready' : 'not ready'),
    el('dl', { class: 'facts' },
      el('dt', null, 'Kafka Streams'), el('dd', { id: 'health-streams' }, h.streams),
      el('dt', null, 'Postgres'), el('dd', null, h.postgres),
      el('dt', null, 'Stream threads replaced'), el('dd', null, String(h.threadReplacements ?? 0))),
    h.degraded && h.degraded.length ? el('ul', { class: 'degraded' }, h.degraded.map((d) => el('li', null, d))) : null);
}

function counts(stats, statsError) {
  if (!stats) return section('Jobs by status', el('p', { class: 'error' }, statsError || 'No counts.'));
  const byJob = new Map();
  const totals = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const c of stats.counts) {
    if (!byJob.has(c.job)) byJob.set(c.job, {});
    byJob.get(c.job)[c.status] = c.count;
    totals[c.status] = (totals[c.status] || 0) + c.count;
    seenJobs.add(c.job);
  }
  if (byJob.size === 0) return section('Jobs by status', el('p', { class: 'muted' }, 'No jobs yet.'));
  const cell = (job, status, n) => el('td', { class: 'num' },
    n ? el('a', { href: listHref({ job, status: status ? [status] : [] }), class: n && status ? 'count-' + status.toLowerCase() : null }, String(n))
      : el('span', { class: 'muted' }, '0'));
  const rows = [...byJob.entries()].map(([job, m]) => el('tr', { 'data-job': job },
    el('th', { scope: 'row' }, el('a', { href: listHref({ job }) }, job)),
    STATUSES.map((s) => cell(job, s, m[s] || 0)),
    cell(job, null, STATUSES.reduce((n, s) => n + (m[s] || 0), 0))));
  rows.push(el('tr', { class: 'total' }, el('th', { scope: 'row' }, 'All jobs'),
    STATUSES.map((s) => cell(null, s, totals[s])),
    cell(null, null, STATUSES.reduce((n, s) => n + totals[s], 0))));
  return section('Jobs by status', table(['Job', ...[...STATUSES, 'Total'].map((num) => ({ num }))], rows, { id: 'counts', class: 'counts' }));
}

const W = 600;
const H = 170;
const M = { left: 34, right: 8, top: 10, bottom: 22 };

/** Stacked bars of succeeded, failed and cancelled jobs per minute, as SVG built here (no library). */
function throughput(stats) {
  if (!stats) return section('Finished per minute', el('p', { class: 'muted' }, 'No data.'));
  const minutes = stats.finishedPerMinute;
  const max = Math.max(1, ...minutes.map((m) => m.succeeded + m.failed + m.cancelled));
  const top = niceCeil(max);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const slot = plotW / Math.max(1, minutes.length);
  const y = (v) => M.top + plotH - (v / top) * plotH;
  const parts = [];
  for (const v of [0, top / 2, top]) {
    parts.push(svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: 'grid-line' }));
    parts.push(svg('text', { x: M.left - 4, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, String(v)));
  }
  minutes.forEach((m, i) => {
    const x = M.left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    let base = 0;
    const bar = svg('g', { class: 'bar' },
      svg('title', null, clock(m.start) + ': ' + m.succeeded + ' succeeded, ' + m.failed + ' failed, ' + m.cancelled + ' cancelled'));
    for (const [n, cls] of [[m.succeeded, 'ok'], [m.failed, 'failed'], [m.cancelled, 'cancelled']]) {
      if (n > 0) bar.append(svg('rect', { x, width: w, y: y(base + n), height: y(base) - y(base + n), class: 'seg-' + cls }));
      base += n;
    }
    // an invisible full-height rect so the tooltip shows over empty minutes too
    bar.append(svg('rect', { x: M.left + i * slot, width: slot, y: M.top, height: plotH, class: 'hover' }));
    parts.push(bar);
    if (i % 5 === 0 || i === minutes.length - 1) {
      parts.push(svg('text', { x: x + w / 2, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, clock(m.start)));
    }
  });
  const total = minutes.reduce((n, m) => n + m.succeeded + m.failed + m.cancelled, 0);
  return section('Finished per minute, last ' + minutes.length + ' minutes',
    svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', id: 'throughput', role: 'img',
      'aria-label': total + ' jobs finished in the last ' + minutes.length + ' minutes' }, parts),
    el('p', { class: 'legend' },
      el('span', { class: 'swatch seg-ok' }), 'succeeded ',
      el('span', { class: 'swatch seg-failed' }), 'failed ',
      el('span', { class: 'swatch seg-cancelled' }), 'cancelled',
      el('span', { class: 'muted' }, ' · ' + total + ' in all; the last bar is the minute in progress')));
}

function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const f of [1, 2, 5, 10]) if (f * p >= v) return Math.max(2, f * p);
  return 10 * p;
}

function lag(group) {
  const title = 'Consumer lag';
  if (!group) return section(title, el('p', { class: 'muted' }, 'No data.'));
  const head = el('p', { class: 'muted' }, 'Group ', el('code', null, group.group), ' on ', el('code', null, group.topic));
  if (group.error) return section(title, head, el('p', { class: 'error' }, group.error));
  const total = group.lag.reduce((n, p) => n + p.lag, 0);
  const rows = group.lag.map((p) => el('tr', null,
    el('td', { class: 'num' }, String(p.partition)), el('td', { class: 'num' }, String(p.committed)),
    el('td', { class: 'num' }, String(p.end)), el('td', { class: 'num' + (p.lag > 0 ? ' behind' : '') }, String(p.lag))));
  rows.push(el('tr', { class: 'total' }, el('th', { scope: 'row' }, 'All'), el('td'), el('td'), el('td', { class: 'num' }, String(total))));
  return section(title, head, table(['Partition', 'Committed', 'End', 'Lag'].map((num) => ({ num })), rows, { id: 'lag' }));
}

function instances(group, self) {
  const title = 'Instances';
  if (!group || group.error) return section(title, el('p', { class: 'muted' }, 'Not known (see the consumer lag).'));
  if (!group.instances.length) return section(title, el('p', { class: 'muted' }, 'No member in the group right now (rebalancing?).'));
  const rows = group.instances.map((i) => el('tr', null,
    el('td', null, el('code', null, i.id), i.id === self ? el('span', { class: 'muted' }, ' (this one)') : null),
    el('td', null, i.host),
    el('td', null, i.partitions.length ? i.partitions.join(', ') : el('span', { class: 'muted' }, 'none'))));
  return section(title, table(['Instance', 'Host', 'Partitions'], rows, { id: 'instances' }));
}
