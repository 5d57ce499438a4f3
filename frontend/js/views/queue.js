// Queue views: tickets with filters, in the API's order (priority, then age), paged with next_cursor;
// and the quarantine (held mail) with a Release button.

import { agentName, agentOptions, assigneeInput, assigneeView } from '../agents.js';
import { ticketPath } from '../api.js';
import { badge, field, h, select, showError, time, words } from '../dom.js';

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
  const text = (name, label, hint, props = {}) =>
    field(label, h('input', { id: `f-${name}`, name, value: params.get(name) || '', ...props }), hint);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter tickets' },
    field(
      'Status',
      select('status', [['', 'Any'], ...STATUSES.map((s) => [s, words(s)])], params.get('status'), { id: 'f-status' }),
    ),
    field(
      'Priority',
      select('priority', [['', 'Any'], ...PRIORITIES.map((p) => [p, p])], params.get('priority'), { id: 'f-priority' }),
    ),
    text('group', 'Group'),
    text('assignee', 'Assignee', null, { list: 'assignee-options', placeholder: 'me, an agent or an agent id' }),
    text('requester', 'Requester email', null, { type: 'email' }),
    text('tag', 'Tag'),
    field('Per page', select('limit', sizes.map((n) => [n, n]), limit, { id: 'f-limit' })),
    agentOptions(ctx, 'assignee-options', [['me', 'me (tickets assigned to you)']]),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('a', { href: '#/queue', class: 'button' }, 'Clear'),
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
  const shown = (n) => (n === 'assignee' ? agentName(ctx, params.get(n)) : words(params.get(n)));
  const parts = FILTERS.filter((n) => params.get(n)).map((n) => `${n} ${shown(n)}`);
  return parts.length ? `Tickets with ${parts.join(', ')}` : 'All tickets';
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
  const button = h('button', { type: 'button', disabled: !releasable }, 'Release');
  button.setAttribute('aria-label', `Release ${ticket.number}`);
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
    h('td', {}, releasable ? button : h('span', { class: 'muted' }, 'stays held')),
  );
}

export async function renderQueue(ctx, view, params, { quarantine }) {
  const title = quarantine ? 'Quarantine' : params.get('assignee') === 'me' ? 'My tickets' : 'Queue';
  view.append(h('h1', { tabindex: '-1' }, title));
  if (quarantine) {
    view.append(
      h('p', { class: 'lead' }, 'Mail held back as spam or unreadable. Release a ticket to put it in the queue.'),
    );
  } else {
    view.append(filterForm(ctx, params));
  }
  const query = quarantine
    ? { status: 'quarantined' }
    : Object.fromEntries(FILTERS.filter((n) => params.get(n)).map((n) => [n, params.get(n)]));

  const headings = quarantine
    ? ['Number', 'Subject', 'Requester', 'Reason', 'Received', 'Action']
    : ['Number', 'Subject', 'Requester', 'Status', 'Priority', 'Group', 'Assignee', 'Created'];
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'tickets', id: quarantine ? 'quarantine-table' : 'queue-table' },
    h('caption', {}, quarantine ? 'Quarantined tickets' : describe(ctx, params)),
    h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col' }, text)))),
    body,
  );
  const error = h('div', { class: 'alert error', hidden: true });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  view.append(error, h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, status, more));

  let cursor = null;
  let shown = 0;
  const onReleased = (ticket) => {
    body.querySelector(`tr[data-ticket="${CSS.escape(ticket.number)}"]`)?.remove();
    shown -= 1;
    ctx.notify(`${ticket.number} was released into the queue (status ${words(ticket.status)}).`, 'success');
    status.textContent = shown ? `${shown} held` : 'Nothing is held.';
  };

  async function load() {
    const { data } = await ctx.api.get('/v1/tickets', { ...query, limit: pageSize(params), cursor });
    for (const ticket of data.items) body.append(quarantine ? quarantineRow(ctx, ticket, onReleased) : queueRow(ctx, ticket));
    shown += data.items.length;
    cursor = data.next_cursor;
    more.hidden = !cursor;
    const empty = quarantine ? 'Nothing is held.' : 'No tickets match these filters.';
    status.textContent = shown ? `Showing ${shown} ticket${shown === 1 ? '' : 's'}${cursor ? ' (more available)' : ''}` : empty;
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
