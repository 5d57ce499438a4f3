// Queue views (all, mine, unassigned, each of my groups; GET /v1/tickets?view=) with filters, in the API's order,
// paged with next_cursor; search (GET /v1/search?q=) in the same list; bulk assign or move of the selected tickets
// (POST /v1/tickets/bulk) with what became of each; and the quarantine (held mail) with a Release button.
// Keys: j/k move through the rows, o opens, / goes to the search.

import { agentName, agentOptions, assigneeInput, assigneeView, knownGroups, me } from '../agents.js';
import { ticketPath } from '../api.js';
import { badge, busy, field, h, hideBox, select, showError, time } from '../dom.js';
import { label, t, tn } from '../i18n.js';

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'resolved', 'closed'];
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const FILTERS = ['status', 'priority', 'group', 'assignee', 'requester', 'tag'];
const PAGE_SIZES = ['25', '50', '100'];
const VIEWS = ['mine', 'unassigned', 'group'];
const FAILED = ['not_found', 'invalid_transition', 'conflict'];

/** The queue view the address names (?view=mine|unassigned|group, group=), or '' for every ticket. */
function viewOf(params) {
  const view = params.get('view') || '';
  return VIEWS.includes(view) ? view : '';
}

/** The filters a view leaves to the agent: mine and unassigned set the assignee, a group view the group. */
function filtersOf(view) {
  if (view === 'mine' || view === 'unassigned') return FILTERS.filter((n) => n !== 'assignee');
  if (view === 'group') return FILTERS.filter((n) => n !== 'group');
  return FILTERS;
}

/** The address of a view (its own parameters first), with `extra` parameters after. */
function viewHash(view, group, extra = new URLSearchParams()) {
  const query = new URLSearchParams();
  if (view) query.set('view', view);
  if (view === 'group' && group) query.set('group', group);
  for (const [k, v] of extra) query.set(k, v);
  return `#/queue${query.size ? `?${query}` : ''}`;
}

/** Page size from the address (?limit=), 1-100, 25 by default. */
function pageSize(params) {
  const wanted = Number.parseInt(params.get('limit') || '25', 10);
  return String(Number.isFinite(wanted) ? Math.min(100, Math.max(1, wanted)) : 25);
}

function filterForm(ctx, params, view) {
  const shown = filtersOf(view);
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
    shown.includes('group') ? text('group', { list: 'group-options' }) : null,
    shown.includes('assignee') ? text('assignee', { list: 'assignee-options', placeholder: t('queue.filter.assignee_placeholder') }) : null,
    text('requester', { type: 'email' }),
    text('tag'),
    field(t('queue.filter.limit'), select('limit', sizes.map((n) => [n, n]), limit, { id: 'f-limit' })),
    agentOptions(ctx, 'assignee-options', [['me', t('queue.filter.me_option')]]),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('queue.filter.apply')),
      h('a', { href: viewHash(view, params.get('group')), class: 'button' }, t('queue.filter.clear')),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of shown) {
      const typed = form.elements[name].value.trim();
      const value = name === 'assignee' ? assigneeInput(ctx, typed, { keepMe: true }) : typed;
      if (value) query.set(name, value);
    }
    if (form.elements.limit.value !== '25') query.set('limit', form.elements.limit.value);
    window.location.hash = viewHash(view, params.get('group'), query);
  });
  return form;
}

/** The search box: ?q= in the address, so a reload or the back button keeps it. */
function searchForm(params) {
  const q = params.get('q') || '';
  const input = h('input', { id: 'q', name: 'q', type: 'search', value: q, maxlength: '200', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'search', id: 'search-form', role: 'search', 'aria-label': t('queue.search.label') },
    field(t('queue.search.label'), input, t('queue.search.hint')),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('queue.search.button')),
      q ? h('a', { href: '#/queue', class: 'button' }, t('queue.search.clear')) : null,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = input.value.trim();
    window.location.hash = wanted ? `#/queue?${new URLSearchParams({ q: wanted })}` : '#/queue';
  });
  return form;
}

/** The views as tabs of links (all, mine, unassigned, each of my groups); the current one is aria-current. */
function viewTabs(ctx, params, view) {
  const group = params.get('group');
  const searching = Boolean(params.get('q'));
  const tabs = [
    ['', null, t('queue.view.all')],
    ['mine', null, t('queue.view.mine')],
    ['unassigned', null, t('queue.view.unassigned')],
    ...(me(ctx)?.groups || []).map((name) => ['group', name, t('queue.view.group', { group: name })]),
  ];
  return h(
    'nav',
    { class: 'views', 'aria-label': t('queue.views.label') },
    h(
      'ul',
      {},
      tabs.map(([name, tabGroup, text]) => {
        const current = !searching && name === view && (name !== 'group' || tabGroup === group);
        return h('li', {}, h('a', { href: viewHash(name, tabGroup), 'aria-current': current ? 'page' : null }, text));
      }),
    ),
  );
}

function describe(ctx, params, view) {
  const shown = (n) => {
    const value = params.get(n);
    if (n === 'assignee') return value === 'me' ? t('queue.me') : agentName(ctx, value);
    return n === 'status' || n === 'priority' ? label(n, value) : value;
  };
  const parts = filtersOf(view)
    .filter((n) => params.get(n))
    .map((n) => t('queue.caption.part', { name: t(`queue.caption.field.${n}`), value: shown(n) }));
  if (!view) return parts.length ? t('queue.caption.filtered', { filters: parts.join(', ') }) : t('queue.caption.all');
  const base = view === 'group' && !params.get('group') ? t('queue.caption.all') : t(`queue.caption.${view}`, { group: params.get('group') });
  return parts.length ? t('queue.caption.view_filtered', { view: base, filters: parts.join(', ') }) : base;
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
  const box = h('input', { type: 'checkbox', class: 'select-ticket', id: `select-${ticket.id}`, value: ticket.number });
  const pick = h('label', { for: box.id }, h('span', { class: 'visually-hidden' }, t('queue.bulk.select', { number: ticket.number })));
  return h(
    'tr',
    { 'data-ticket': ticket.number },
    h('td', { class: 'select' }, box, pick),
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

/** The bulk form: assign and/or move the selected tickets, then what became of each (some may fail, and why). */
function bulkForm(ctx, body, onDone) {
  const count = h('p', { class: 'muted', id: 'bulk-count', 'aria-live': 'polite' }, tn('queue.bulk.selected', 0));
  const error = h('div', { class: 'alert error', hidden: true });
  const results = h('div', { id: 'bulk-results', hidden: true });
  const apply = h('button', { type: 'submit', class: 'primary' }, t('queue.bulk.apply'));
  const groups = knownGroups(ctx);
  const form = h(
    'form',
    { id: 'bulk-form', class: 'card bulk', 'aria-labelledby': 'bulk-title' },
    h('h2', { id: 'bulk-title' }, t('queue.bulk.heading')),
    count,
    h(
      'div',
      { class: 'bulk-fields' },
      field(
        t('queue.bulk.assignee'),
        h('input', { id: 'bulk-assignee', name: 'assignee', list: 'bulk-assignee-options', autocomplete: 'off' }),
        t('queue.bulk.assignee_hint'),
      ),
      agentOptions(ctx, 'bulk-assignee-options', [['me', t('ticket.me_option')]]),
      field(
        t('queue.bulk.group'),
        h('input', { id: 'bulk-group', name: 'group', list: 'bulk-group-options', autocomplete: 'off' }),
        t('queue.bulk.group_hint'),
      ),
      h('datalist', { id: 'bulk-group-options' }, groups.map((name) => h('option', { value: name }))),
    ),
    error,
    h('div', { class: 'actions' }, apply),
    results,
  );
  const selected = () => [...body.querySelectorAll('input.select-ticket:checked')].map((box) => box.value);
  const counted = () => {
    count.textContent = tn('queue.bulk.selected', selected().length);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(apply, async () => {
      const tickets = selected();
      const request = { tickets };
      const assignee = assigneeInput(ctx, form.elements.assignee.value);
      const group = form.elements.group.value.trim();
      if (assignee) request.assignee = assignee;
      if (group) request.group = group;
      if (!tickets.length) return showError(error, { message: t('queue.bulk.none_selected') });
      if (!assignee && !group) return showError(error, { message: t('queue.bulk.nothing_to_do') }, form);
      try {
        const { data } = await ctx.api.post('/v1/tickets/bulk', request);
        hideBox(error);
        showResults(ctx, results, data.items);
        await onDone();
      } catch (err) {
        if (err.status !== 401) showError(error, err, form);
      }
      return undefined;
    });
  });
  return { form, counted };
}

function showResults(ctx, box, items) {
  const tally = { changed: 0, unchanged: 0, failed: 0 };
  for (const item of items) tally[FAILED.includes(item.outcome) ? 'failed' : item.outcome] += 1;
  box.replaceChildren(
    h('h3', { id: 'bulk-results-title' }, t('queue.bulk.results')),
    h(
      'ul',
      { 'aria-labelledby': 'bulk-results-title' },
      items.map((item) => {
        const failed = FAILED.includes(item.outcome);
        return h(
          'li',
          { class: `bulk-outcome ${failed ? 'failed' : 'ok'}`, 'data-ticket': item.ticket, 'data-outcome': item.outcome },
          h('strong', {}, item.ticket),
          ': ',
          label('queue.bulk.outcome', item.outcome),
          failed && item.message ? ` (${item.message})` : '',
        );
      }),
    ),
  );
  box.hidden = false;
  ctx.notify(t('queue.bulk.done', tally), tally.failed ? 'error' : 'success');
}

export async function renderQueue(ctx, view, params, { quarantine }) {
  const q = quarantine ? '' : (params.get('q') || '').trim();
  const kind = quarantine || q ? '' : viewOf(params);
  const title = quarantine
    ? t('quarantine.title')
    : q
      ? t('queue.search_title')
      : kind === 'group' && params.get('group')
        ? t('queue.group_title', { group: params.get('group') })
        : kind === 'unassigned'
          ? t('queue.unassigned_title')
          : kind === 'mine' || params.get('assignee') === 'me'
            ? t('queue.mine_title')
            : t('queue.title');
  view.append(h('h1', { tabindex: '-1' }, title));
  if (quarantine) {
    view.append(h('p', { class: 'lead' }, t('quarantine.lead')));
  } else {
    const search = searchForm(params);
    view.append(search, viewTabs(ctx, params, kind));
    if (!q) view.append(filterForm(ctx, params, kind), h('datalist', { id: 'group-options' }, knownGroups(ctx).map((g) => h('option', { value: g }))));
    ctx.actions.search = () => search.elements.q.focus();
  }
  const query = quarantine
    ? { status: 'quarantined' }
    : q
      ? { q }
      : {
          ...(kind ? { view: kind } : {}),
          ...(kind === 'group' && params.get('group') ? { group: params.get('group') } : {}),
          ...Object.fromEntries(filtersOf(kind).filter((n) => params.get(n)).map((n) => [n, params.get(n)])),
        };
  const path = q ? '/v1/search' : '/v1/tickets';

  const headings = quarantine
    ? ['number', 'subject', 'requester', 'reason', 'received', 'action']
    : ['number', 'subject', 'requester', 'status', 'priority', 'group', 'assignee', 'created'];
  const body = h('tbody');
  const selectAll = quarantine ? null : h('input', { type: 'checkbox', id: 'select-all', class: 'select-all' });
  const table = h(
    'table',
    { class: 'tickets', id: quarantine ? 'quarantine-table' : 'queue-table' },
    h('caption', {}, quarantine ? t('quarantine.caption') : q ? t('queue.search.caption', { query: q }) : describe(ctx, params, kind)),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        selectAll
          ? h('th', { scope: 'col', class: 'select' }, selectAll, h('label', { for: 'select-all' }, h('span', { class: 'visually-hidden' }, t('queue.bulk.select_all'))))
          : null,
        headings.map((name) => h('th', { scope: 'col' }, t(`queue.column.${name}`))),
      ),
    ),
    body,
  );
  const error = h('div', { class: 'alert error', hidden: true });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', hidden: true }, t('queue.load_more'));
  let bulk = null;
  if (!quarantine) {
    bulk = bulkForm(ctx, body, reload);
    body.addEventListener('change', () => {
      bulk.counted();
      const boxes = [...body.querySelectorAll('input.select-ticket')];
      selectAll.checked = boxes.length > 0 && boxes.every((box) => box.checked);
      selectAll.indeterminate = !selectAll.checked && boxes.some((box) => box.checked);
    });
    selectAll.addEventListener('change', () => {
      for (const box of body.querySelectorAll('input.select-ticket')) box.checked = selectAll.checked;
      bulk.counted();
    });
  }
  view.append(error, h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, status, more));
  if (bulk) view.append(bulk.form);
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
    const { data } = await ctx.api.get(path, { ...query, limit: pageSize(params), cursor });
    for (const ticket of data.items) body.append(quarantine ? quarantineRow(ctx, ticket, onReleased) : queueRow(ctx, ticket));
    shown += data.items.length;
    cursor = data.next_cursor;
    more.hidden = !cursor;
    const empty = quarantine ? t('quarantine.empty') : q ? t('queue.search.empty', { query: q }) : t('queue.empty');
    const counted = tn('queue.showing', shown) + (cursor ? ` ${t('queue.more_available')}` : '');
    status.textContent = shown ? counted : empty;
    if (selectAll) selectAll.checked = false;
  }

  /** The list again from its first page (after a bulk change: tickets may have left the view). */
  async function reload() {
    body.replaceChildren();
    cursor = null;
    shown = 0;
    bulk?.counted();
    try {
      await load();
    } catch (err) {
      if (err.status !== 401) showError(error, err);
    }
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
