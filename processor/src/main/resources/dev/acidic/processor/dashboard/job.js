// One job's page (#/jobs/<encodeURIComponent(key)>): its row, steps, error with stack, arguments,
// values, timeline, children and staged jobs (GET /api/jobs/{key}), and the commands that apply
// to it (POST /api/jobs/{key}/cancel|retry|resume|signal: the requests topic, as the CLI sends them).
// While the job runs the page reads it again every 2 s.

import { AuthNeeded, duration, el, errorText, failure, jobLink, jsonBlock, jsonInline, postJson, api, section, statusBadge, svg, table, time } from './core.js';

const POLL_MS = 2000;

/** Which command applies in which status (the engine refuses the others with 409). */
const ACTIONS = [
  { name: 'cancel', label: 'Cancel', when: ['RUNNING', 'HALTED'] },
  { name: 'retry', label: 'Retry', when: ['FAILED', 'CANCELLED'] },
  { name: 'resume', label: 'Resume', when: ['HALTED'] },
];

export function renderJob(view, key) {
  let stopped = false;
  let timer = null;
  const path = '/api/jobs/' + encodeURIComponent(key);
  const flash = el('p', { id: 'flash', class: 'flash', role: 'status', hidden: true });
  const content = el('div', { id: 'job' }, el('p', { class: 'muted' }, 'Loading…'));
  // the bar and the signal form are made once, so what an operator types survives the re-reads
  const bar = actions((name, body) => act(name, body));
  const signal = section('Send a signal', signalForm((name, body) => act(name, body)));
  signal.hidden = true;
  view.append(el('p', { class: 'crumbs' }, el('a', { href: '#/jobs' }, 'Jobs'), ' › job'),
    el('h1', { class: 'jobkey' }, el('code', { id: 'job-key' }, key)), bar.element, flash, content, signal);

  function say(text, ok) {
    flash.textContent = text;
    flash.className = 'flash ' + (ok ? 'ok' : 'err');
    flash.hidden = false;
  }

  async function load() {
    clearTimeout(timer);
    try {
      const r = await api(path);
      if (stopped) return;
      if (r.status === 404) {
        content.replaceChildren(el('p', { class: 'error' }, 'No job under this key (never submitted, or reaped after its retention).'));
        return;
      }
      if (!r.ok) throw new Error((r.body && r.body.error) || 'HTTP ' + r.status);
      content.replaceChildren(...page(r.body).filter(Boolean));
      bar.show(r.body.summary.status);
      signal.hidden = r.body.summary.finishedAt !== null;
      if (r.body.summary.status === 'RUNNING') timer = setTimeout(load, POLL_MS);
    } catch (e) {
      if (stopped) return;
      content.replaceChildren(failure(e));
      if (!(e instanceof AuthNeeded)) timer = setTimeout(load, POLL_MS * 3);
    }
  }

  async function act(action, body) {
    bar.show(null);
    say('Sending ' + action + '…', true);
    try {
      const r = await postJson(path + '/' + action, body);
      const answer = r.body && r.body.answer;
      if (r.status === 200) say(action + ': ' + describe(answer), true);
      else if (r.status === 202) say(action + ' sent; the job goes on (no answer within the API\'s wait).', true);
      else say(action + ' refused (HTTP ' + r.status + '): ' + (answer ? describe(answer) : (r.body && r.body.error) || ''), false);
    } catch (e) {
      say(action + ' failed: ' + e.message, false);
    }
    await load();
  }

  load();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

/** A completion in a line: "SUCCEEDED (run 2)", "REJECTED: NOT_RETRYABLE ...". */
function describe(c) {
  if (!c) return 'no answer';
  let s = c.status + (c.run ? ' (run ' + c.run + ')' : '');
  if (c.reason) s += ': ' + c.reason;
  if (c.error) s += ' — ' + errorText(c.error);
  return s;
}

function page(d) {
  const s = d.summary;
  return [
    el('div', { class: 'grid' },
      section('Job', facts(d), el('h2', { class: 'sub' }, 'Steps'), steps(d.steps, s.recoveryPoint, s.status)),
      el('div', { class: 'column' },
        section('Arguments', jsonBlock(d.args)),
        d.result !== null && d.result !== undefined ? section('Result', jsonBlock(d.result)) : null,
        section('Values', values(d.values, d.valuesTotal)))),
    s.error ? errorSection(s.error, d.errorStack) : null,
    section('Timeline', timeline(d.timeline, d.timelineOmitted)),
    d.childrenTotal > 0 ? section('Children', children(d.children, d.childrenTotal)) : null,
    d.stagedTotal > 0 ? section('Staged jobs', staged(d.staged, d.stagedTotal)) : null,
  ];
}

/** The command buttons; show(status) enables those that apply (none while a command is under way: null). */
function actions(act) {
  const reason = el('input', { id: 'cancel-reason', placeholder: 'cancel reason (optional)', autocomplete: 'off' });
  const badge = el('span', { id: 'action-status' });
  const buttons = ACTIONS.map((a) => {
    const b = el('button', { type: 'button', id: 'action-' + a.name, disabled: true }, a.label);
    b.addEventListener('click', () => act(a.name, a.name === 'cancel' && reason.value.trim() ? { reason: reason.value.trim() } : {}));
    return b;
  });
  const element = el('div', { class: 'actions' }, badge, buttons, reason);
  return {
    element,
    show(status) {
      if (status) badge.replaceChildren(statusBadge(status));
      ACTIONS.forEach((a, i) => {
        const applies = status !== null && a.when.includes(status);
        buttons[i].disabled = !applies;
        buttons[i].title = applies ? a.label + ' this job' : a.label + ' applies to ' + a.when.join(' or ') + ' jobs';
      });
    },
  };
}

function facts(d) {
  const s = d.summary;
  const row = (label, value, id) => [el('dt', null, label), el('dd', { id }, value === null || value === undefined || value === '' ? '—' : value)];
  return el('dl', { class: 'facts' },
    row('Job', s.job, 'fact-job'),
    row('Status', statusBadge(s.status), 'fact-status'),
    row('Run', String(s.run), 'fact-run'),
    row('Attempts', String(s.attempts), 'fact-attempts'),
    row('Recovery point', s.recoveryPoint, 'fact-recovery-point'),
    row('Awaiting', s.awaiting),
    row('Parent', s.parentKey ? jobLink(s.parentKey) : null, 'fact-parent'),
    row('Created', time(s.createdAt)),
    row('Last ran', time(s.lastRunAt)),
    row('Next attempt', s.nextAttemptAt ? time(s.nextAttemptAt) : null),
    row('Finished', s.finishedAt ? time(s.finishedAt) : null),
    row('Locked by', d.lockedBy ? [d.lockedBy, ' since ', time(d.lockedAt)] : null),
    row('Partition', d.partition === null ? null : String(d.partition)),
    row('Job id', d.jobId ? el('code', null, d.jobId) : null),
    row('Events', String(s.lastSeq)));
}

function steps(names, at, status) {
  if (!names || !names.length) return el('p', { class: 'muted' }, 'Not stored for this job.');
  const current = names.indexOf(at);
  return el('ol', { class: 'steps' }, names.map((n, i) => {
    const done = at === '$finished' || (current >= 0 && i < current);
    const here = i === current;
    return el('li', { class: done ? 'done' : here ? 'here ' + status.toLowerCase() : 'todo' }, n);
  }));
}

function errorSection(error, stack) {
  return el('section', { class: 'card error-card', id: 'error' }, el('h2', null, 'Error'),
    el('p', { id: 'error-message' }, el('strong', null, error.type || 'error'), ': ', error.message || ''),
    el('p', { class: 'muted' }, 'in step ', el('code', null, error.step || '—'), ', attempt ' + (error.attempt ?? '—')),
    stack ? el('details', { open: true }, el('summary', null, 'Stack trace'), el('pre', { class: 'stack', id: 'error-stack' }, stack)) : null);
}

function values(map, total) {
  const names = Object.keys(map || {});
  if (!names.length) return el('p', { class: 'muted' }, 'None.');
  return [table(['Name', 'Value'], names.map((n) => el('tr', null, el('td', null, el('code', null, n)), el('td', null, jsonBlock(map[n]))))),
    total > names.length ? el('p', { class: 'muted' }, (total - names.length) + ' more not shown') : null];
}

function timeline(entries, omitted) {
  const longest = Math.max(1, ...entries.map((e) => e.tookMs || 0));
  const body = entries.map((e) => el('tr', { class: 'ev-' + String(e.type).toLowerCase() },
    el('td', { class: 'num' }, String(e.seq)),
    el('td', null, time(e.at)),
    el('td', null, el('span', { class: 'event' }, e.type)),
    el('td', null, e.step || ''),
    el('td', { class: 'num' }, e.run === null ? '' : String(e.run)),
    el('td', { class: 'num' }, e.attempt === null ? '' : String(e.attempt)),
    el('td', { class: 'took' }, e.tookMs === null ? el('span', { class: 'muted' }, 'now') : [
      svg('svg', { class: 'took-bar', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
        svg('rect', { x: 0, y: 0, height: 8, width: 100, class: 'track' }),
        svg('rect', { x: 0, y: 0, height: 8, width: Math.max(0.5, (100 * e.tookMs) / longest) })),
      ' ', duration(e.tookMs)]),
    el('td', { class: 'detail' }, eventDetail(e))));
  return [omitted > 0 ? el('p', { class: 'muted' }, omitted + ' older entries not shown') : null,
    table([{ num: '#' }, 'At', 'Event', 'Step', { num: 'Run' }, { num: 'Attempt' }, 'Took', 'Detail'], body, { id: 'timeline', class: 'timeline' }),
    el('p', { class: 'muted' }, 'Took: the time until the next entry (a phase\'s last entry: the phase until the next began; after a wait: the wait).')];
}

function eventDetail(e) {
  const parts = [];
  if (e.recoveryPoint && e.type !== 'STEP_FAILED') parts.push('at ' + e.recoveryPoint);
  if (e.error) parts.push(errorText(e.error));
  if (e.retryAt) parts.push((e.type === 'WAITING' ? 'until ' : 'retry at ') + new Date(e.retryAt).toLocaleTimeString());
  if (e.detail) parts.push(jsonInline(e.detail));
  if (e.result !== null && e.result !== undefined) parts.push('result ' + jsonInline(e.result));
  return parts.join(' · ');
}

function children(list, total) {
  const body = list.map((c) => el('tr', null,
    el('td', { class: 'keycell' }, jobLink(c.key)), el('td', null, c.job),
    el('td', null, c.status ? statusBadge(c.status) : el('span', { class: 'muted' }, 'not claimed yet')),
    el('td', { class: 'num' }, c.run === null ? '' : String(c.run)), el('td', null, time(c.spawnedAt)), el('td', null, time(c.finishedAt))));
  return [table(['Key', 'Job', 'Status', { num: 'Run' }, 'Spawned', 'Ended'], body, { id: 'children' }),
    total > list.length ? el('p', { class: 'muted' }, (total - list.length) + ' more not shown') : null];
}

function staged(list, total) {
  const body = list.map((r) => el('tr', null, el('td', { class: 'num' }, String(r.ordinal)), el('td', { class: 'keycell' }, jobLink(r.key)),
    el('td', null, el('code', null, jsonInline(r.request))), el('td', null, time(r.stagedAt))));
  return [table([{ num: '#' }, 'Key', 'Request', 'Staged'], body, { id: 'staged' }),
    total > list.length ? el('p', { class: 'muted' }, (total - list.length) + ' more not shown') : null];
}

function signalForm(act) {
  const name = el('input', { id: 'signal-name', required: true, placeholder: 'approved', autocomplete: 'off' });
  const payload = el('textarea', { id: 'signal-payload', rows: 2, placeholder: 'payload as JSON (optional), e.g. {"by": "ops"}' });
  const problem = el('span', { class: 'error' });
  const f = el('form', { class: 'signal' }, el('label', null, 'Name ', name), el('label', null, 'Payload ', payload),
    el('button', { type: 'submit', id: 'signal-send' }, 'Send signal'), problem);
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: name.value.trim() };
    if (payload.value.trim()) {
      try {
        body.payload = JSON.parse(payload.value);
      } catch (err) {
        problem.textContent = ' The payload is not JSON: ' + err.message;
        return;
      }
    }
    problem.textContent = '';
    act('signal', body);
  });
  return f;
}
