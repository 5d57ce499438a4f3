// Queue views: tickets with filters, in the API's order (priority, then age), paged with next_cursor;
// and the quarantine (held mail) with a Release button. Keys: j/k move through the rows, o opens, / filters.

import { agentName, agentOptions, assigneeInput, assigneeView } from '../agents.js';
import { ticketPath } from '../api.js';
import { badge, field, h, select, showError, time } from '../dom.js';
import { label, t, tn } from '../i18n.js';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'resolved', 'closed'];
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const FILTERS = ['status', 'priority', 'group', 'assignee', 'requester', 'tag'];
const PAGE_SIZES = ['25', '50', '100'];

/** Page size from the address (?limit=), 1-100, 25 by default. */
function pageSize(params) {
  const wanted = Number.parseInt(params.get('limit') || '25', 10);
  return String(Number.isFinite(wanted) ? Math.min(100, Math.max(1, wanted)) : 25);
}

function filterForm(ctx, params) {
  const limit = pageSize(params);
  const sizes = PAGE_SIZES.includes(limit) ? PAGE_SIZES : [limit, ...PAGE_SIZES];
  const text = (name, props = {}) =>
    field(t(`queue.filter.${name}`), h('input', { id: `f-${name}`, name, value: params.get(name) || '', ...props }));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('queue.filter.label') },
    field(
      t('queue.filter.status'),
      select('status', [['', t('queue.filter.any')], ...STATUSES.map((s) => [s, label('status', s)])], params.get('status'), {
        id: 'f-status',
      }),
    ),
    field(
      t('queue.filter.priority'),
      select('priority', [['', t('queue.filter.any')], ...PRIORITIES.map((p) => [p, label('priority', p)])], params.get('priority'), {
        id: 'f-priority',
      }),
    ),
    text('group'),
    text('assignee', { list: 'assignee-options', placeholder: t('queue.filter.assignee_placeholder') }),
    text('requester', { type: 'email' }),
    text('tag'),
    field(t('queue.filter.limit'), select('limit', sizes.map((n) => [n, n]), limit, { id: 'f-limit' })),
    agentOptions(ctx, 'assignee-options', [['me', t('queue.filter.me_option')]]),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('queue.filter.apply')),
      h('a', { href: '#/queue', class: 'button' }, t('queue.filter.clear')),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of FILTERS) {
      const typed = form.elements[name].value.trim();
      const value = name === 'assignee' ? assigneeInput(ctx, typed, { keepMe: true }) : typed;
      if (value) query.set(name, value);
    }
    if (form.elements.limit.value !== '25') query.set('limit', form.elements.limit.value);
    window.location.hash = `#/queue${query.size ? `?${query}` : ''}`;
  });
  return form;
}

function describe(ctx, params) {
  const shown = (n) => {
    const value = params.get(n);
    if (n === 'assignee') return value === 'me' ? t('queue.me') : agentName(ctx, value);
    return n === 'status' || n === 'priority' ? label(n, value) : value;
  };
  const parts = FILTERS.filter((n) => params.get(n)).map((n) => t('queue.caption.part', { name: t(`queue.caption.field.${n}`), value: shown(n) }));
  return parts.length ? t('queue.caption.filtered', { filters: parts.join(', ') }) : t('queue.caption.all');
}

function ticketLink(ticket, text) {
  return h('a', { href: `#/tickets/${encodeURIComponent(ticket.number)}` }, text);
}

function requester(ticket) {
  return ticket.requester.name ? `${ticket.requester.name} <${ticket.requester.email}>` : ticket.requester.email;
}

/** Number, subject and requester: the first cells of every ticket row. */
function leadingCells(ticket) {
  return [
    h('td', {}, ticketLink(ticket, ticket.number)),
    h('td', { class: 'subject' }, ticketLink(ticket, ticket.subject)),
    h('td', {}, requester(ticket)),
  ];
}

function queueRow(ctx, ticket) {
  return h(
    'tr',
    { 'data-ticket': ticket.number },
    ...leadingCells(ticket),
    h('td', {}, badge('status', ticket.status)),
    h('td', {}, badge('priority', ticket.priority)),
    h('td', {}, ticket.group || '—'),
    h('td', {}, assigneeView(ctx, ticket.assignee)),
    h('td', {}, time(ticket.created_at)),
  );
}

function quarantineRow(ctx, ticket, onReleased) {
  const held = ticket.quarantine || {};
  const releasable = held.releasable !== false;
  const button = h(
    'button',
    { type: 'button', disabled: !releasable, 'aria-label': t('quarantine.release_label', { number: ticket.number }) },
    t('quarantine.release'),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { data } = await ctx.api.post(ticketPath(ticket.id, '/release'));
      onReleased(data);
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) ctx.notify(`${ticket.number}: ${error.message}`, 'error');
    }
  });
  return h(
    'tr',
    { 'data-ticket': ticket.number },
    ...leadingCells(ticket),
    h('td', {}, held.reason || '—'),
    h('td', {}, time(ticket.created_at)),
    h('td', {}, releasable ? button : h('span', { class: 'muted' }, t('quarantine.stays_held'))),
  );
}

/** j/k move a highlight through the rows (focus on the row's first link), o opens the highlighted ticket. */
function rowKeys(ctx, body) {
  let current = -1;
  const move = (by) => {
    const rows = [...body.rows];
    if (!rows.length) return;
    current = Math.min(rows.length - 1, Math.max(0, current + by));
    rows.forEach((row, index) => row.classList.toggle('current', index === current));
    rows[current].querySelector('a')?.focus();
  };
  ctx.actions.next = () => move(1);
  ctx.actions.previous = () => move(-1);
  ctx.actions.open = () => {
    const row = body.rows[current] || (document.activeElement?.closest?.('tr') ?? null);
    const link = row && body.contains(row) ? row.querySelector('a') : null;
    if (link) window.location.hash = link.getAttribute('href');
  };
}

export async function renderQueue(ctx, view, params, { quarantine }) {
  const title = t(quarantine ? 'quarantine.title' : params.get('assignee') === 'me' ? 'queue.mine_title' : 'queue.title');
  view.append(h('h1', { tabindex: '-1' }, title));
  if (quarantine) {
    view.append(h('p', { class: 'lead' }, t('quarantine.lead')));
  } else {
    const form = filterForm(ctx, params);
    view.append(form);
    ctx.actions.search = () => form.querySelector('select, input')?.focus();
  }
  const query = quarantine
    ? { status: 'quarantined' }
    : Object.fromEntries(FILTERS.filter((n) => params.get(n)).map((n) => [n, params.get(n)]));

  const headings = quarantine
    ? ['number', 'subject', 'requester', 'reason', 'received', 'action']
    : ['number', 'subject', 'requester', 'status', 'priority', 'group', 'assignee', 'created'];
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'tickets', id: quarantine ? 'quarantine-table' : 'queue-table' },
    h('caption', {}, quarantine ? t('quarantine.caption') : describe(ctx, params)),
    h('thead', {}, h('tr', {}, headings.map((name) => h('th', { scope: 'col' }, t(`queue.column.${name}`))))),
    body,
  );
  const error = h('div', { class: 'alert error', hidden: true });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', hidden: true }, t('queue.load_more'));
  view.append(error, h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, status, more));
  rowKeys(ctx, body);

  let cursor = null;
  let shown = 0;
  const onReleased = (ticket) => {
    body.querySelector(`tr[data-ticket="${CSS.escape(ticket.number)}"]`)?.remove();
    shown -= 1;
    ctx.notify(t('quarantine.released', { number: ticket.number, status: label('status', ticket.status) }), 'success');
    status.textContent = shown ? tn('quarantine.held', shown) : t('quarantine.empty');
  };

  async function load() {
    const { data } = await ctx.api.get('/v1/tickets', { ...query, limit: pageSize(params), cursor });
    for (const ticket of data.items) body.append(quarantine ? quarantineRow(ctx, ticket, onReleased) : queueRow(ctx, ticket));
    shown += data.items.length;
    cursor = data.next_cursor;
    more.hidden = !cursor;
    const empty = t(quarantine ? 'quarantine.empty' : 'queue.empty');
    const counted = tn('queue.showing', shown) + (cursor ? ` ${t('queue.more_available')}` : '');
    status.textContent = shown ? counted : empty;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await load();
    } catch (err) {
      if (err.status !== 401) showError(error, err);
    } finally {
      more.disabled = false;
    }
  });

  try {
    await load();
  } catch (err) {
    if (err.status !== 401) showError(error, err);
  }
}
