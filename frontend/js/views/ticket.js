// One ticket: header, conversation, reply and note, field edits (If-Match), audit trail and merge.

import { agentName, agentOptions, assigneeInput, assigneeView } from '../agents.js';
import { ticketPath } from '../api.js';
import { badge, busy, field, h, hideBox, select, showError, time, words } from '../dom.js';
import { PRIORITIES, STATUSES } from './queue.js';

const KIND_LABELS = {
  customer_message: 'Customer',
  public_reply: 'Public reply',
  internal_note: 'Internal note',
  system: 'System',
};

const CONFLICT =
  'Someone else changed this ticket since you opened it, so your change was not saved. ' +
  'The ticket now shows their version: check it and make your change again if it is still needed.';

const MAX_UPLOAD_BYTES = 4 * 1024 * 1024; // the agent API's upload cap (AGENT_UPLOAD_MAX_BYTES)

function versionOf(etag, ticket) {
  const match = /(\d+)/.exec(etag || '');
  return match ? Number(match[1]) : ticket.version;
}

function person(p) {
  return p.name ? `${p.name} <${p.email}>` : p.email;
}

function shown(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${words(k)}: ${shown(v)}`)
      .join('; ');
  }
  return String(value);
}

function customText(fields) {
  return Object.entries(fields || {})
    .map(([name, value]) => `${name} = ${value ?? ''}`)
    .join('\n');
}

/** "name = value" lines -> {name: value}; a field left out of the text is removed (null). */
function customChanges(text, original) {
  const parsed = {};
  const lines = text.split('\n').map((line) => line.trim());
  lines.forEach((line, index) => {
    if (!line) return;
    const at = line.indexOf('=');
    if (at < 1) throw new Error(`Custom fields, line ${index + 1}: write it as name = value.`);
    parsed[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  });
  const changes = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in original) || String(original[name] ?? '') !== value) changes[name] = value;
  }
  for (const name of Object.keys(original)) if (!(name in parsed)) changes[name] = null;
  return changes;
}

/** A link to a ticket known by id; its number is filled in once loaded. */
function ticketRef(id) {
  return h('a', { class: 'ticket-ref', 'data-id': id, href: `#/tickets/${encodeURIComponent(id)}` }, 'another ticket');
}

function header(ctx, ticket) {
  const facts = [
    ['Requester', person(ticket.requester)],
    ['Cc', shown(ticket.cc)],
    ['Group', shown(ticket.group)],
    ['Assignee', assigneeView(ctx, ticket.assignee)],
    ['Type', shown(ticket.type)],
    ['Tags', shown(ticket.tags)],
    ['Channel', ticket.channel],
    ['Created', time(ticket.created_at)],
    ['Updated', time(ticket.updated_at)],
  ];
  for (const [name, value] of Object.entries(ticket.custom_fields || {})) facts.push([words(name), shown(value)]);
  const related = [];
  if (ticket.merged_into) {
    related.push(h('p', { class: 'alert info' }, 'Merged into ', ticketRef(ticket.merged_into), '.'));
  }
  if (ticket.follow_up_of) {
    related.push(h('p', { class: 'muted' }, 'Follow-up of ', ticketRef(ticket.follow_up_of), '.'));
  }
  if (ticket.quarantine) {
    related.push(h('p', { class: 'alert warning' }, `Held in quarantine: ${ticket.quarantine.reason || 'no reason recorded'}.`));
  }
  return h(
    'header',
    { class: 'ticket-head' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/queue' }, 'Queue'), ' / ', ticket.number),
    h('h1', { tabindex: '-1' }, h('span', { class: 'number' }, ticket.number), ' ', ticket.subject),
    h('p', { class: 'badges' }, badge('status', ticket.status), ' ', badge('priority', ticket.priority)),
    related,
    h('dl', { class: 'facts' }, facts.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, value)))),
  );
}

/** Attachments open through a fresh short-lived link from the API on every click (links expire in minutes). */
function attachmentList(ctx, ref, entry) {
  const problem = h('p', { class: 'alert error', role: 'alert', hidden: true });
  const items = entry.attachments.map((a, index) => {
    const open = h('button', { type: 'button', class: 'link attachment' }, a.filename);
    open.addEventListener('click', async () => {
      problem.hidden = true;
      open.disabled = true;
      try {
        const { data } = await ctx.api.get(ticketPath(ref, `/conversation/${encodeURIComponent(entry.id)}/attachments/${index}`));
        window.location.assign(data.url);
      } catch (error) {
        problem.textContent = `Could not open ${a.filename}: ${error.message}`;
        problem.hidden = false;
      } finally {
        open.disabled = false;
      }
    });
    return h('li', {}, open, ` (${a.content_type}, ${Math.ceil(a.size / 1024)} KB)`);
  });
  return h('div', {}, h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, items), problem);
}

function entryView(ctx, ref, entry) {
  const author = entry.author || {};
  const who = author.name || author.email || author.id || words(author.kind) || 'unknown';
  const item = h(
    'li',
    { class: `entry entry-${entry.kind}`, 'data-kind': entry.kind },
    h(
      'div',
      { class: 'entry-meta' },
      h('span', { class: 'entry-kind' }, KIND_LABELS[entry.kind] || words(entry.kind)),
      h('strong', {}, who),
      time(entry.created_at),
    ),
    h('div', { class: 'entry-body' }, entry.body_text || ''),
  );
  if (entry.body_html) {
    // The mail's own HTML only in a sandboxed frame: no scripts, no same-origin access, no forms.
    const details = h('details', { class: 'entry-html' }, h('summary', {}, 'Show the original formatting'));
    details.addEventListener('toggle', () => {
      if (!details.open || details.querySelector('iframe')) return;
      const frame = h('iframe', { sandbox: '', title: `Original formatting of the message from ${who}`, referrerpolicy: 'no-referrer' });
      frame.srcdoc = entry.body_html;
      details.append(frame);
    });
    item.append(details);
  }
  if (entry.attachments?.length) item.append(attachmentList(ctx, ref, entry));
  return item;
}

function auditTable(ctx, items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No changes recorded yet.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'audit', id: 'audit-table' },
      h('caption', { class: 'visually-hidden' }, 'Changes to this ticket, oldest first'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'Field', 'From', 'To'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        items.map((a) =>
          h(
            'tr',
            {},
            h('td', {}, time(a.at)),
            h('td', {}, a.actor.email || a.actor.id || a.actor.kind),
            h('td', {}, words(a.field)),
            h('td', {}, a.field === 'assignee' ? shown(agentName(ctx, a.old)) : shown(a.old)),
            h('td', {}, a.field === 'assignee' ? shown(agentName(ctx, a.new)) : shown(a.new)),
          ),
        ),
      ),
    ),
  );
}

export async function renderTicket(ctx, view, ref) {
  const { api } = ctx;
  let ticket = null;
  let version = null;

  const headSlot = h('div');
  const conversation = h('ol', { class: 'conversation', id: 'conversation', 'aria-labelledby': 'conversation-title' });
  const auditSlot = h('div');
  const editFields = h('div', { class: 'edit-fields' });
  const editError = h('div', { class: 'alert error', hidden: true });
  const editSave = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
  const editForm = h('form', { id: 'edit-form', 'aria-labelledby': 'edit-title' }, editFields, editError, h('div', { class: 'actions' }, editSave));

  /** Related tickets are stored by id: show their number. */
  async function showNumber(link, id) {
    try {
      const { data } = await api.get(ticketPath(id));
      link.textContent = `${data.number} (${data.subject})`;
      link.href = `#/tickets/${encodeURIComponent(data.number)}`;
    } catch {
      link.textContent = id;
    }
  }

  async function refresh() {
    const [{ data, etag }, entries, audit] = await Promise.all([
      api.get(ticketPath(ref)),
      api.get(ticketPath(ref, '/conversation')),
      api.get(ticketPath(ref, '/audit')),
    ]);
    ticket = data;
    version = versionOf(etag, data);
    headSlot.replaceChildren(header(ctx, ticket));
    headSlot.querySelectorAll('.ticket-ref').forEach((link) => showNumber(link, link.dataset.id));
    conversation.replaceChildren(...entries.data.items.map((entry) => entryView(ctx, ticket.id, entry)));
    if (!entries.data.items.length) conversation.append(h('li', { class: 'muted' }, 'No messages yet.'));
    auditSlot.replaceChildren(auditTable(ctx, audit.data.items));
    renderEditFields();
  }

  function renderEditFields() {
    const statuses = STATUSES.includes(ticket.status) ? STATUSES : [ticket.status, ...STATUSES];
    const text = (name, label, value, hint, props = {}) =>
      field(label, h('input', { id: `edit-${name}`, name, value: value ?? '', ...props }), hint);
    editFields.replaceChildren(
      field('Status', select('status', statuses.map((s) => [s, words(s)]), ticket.status, { id: 'edit-status' })),
      field('Priority', select('priority', PRIORITIES.map((p) => [p, p]), ticket.priority, { id: 'edit-priority' })),
      text('group', 'Group', ticket.group),
      text('assignee', 'Assignee', ticket.assignee, 'An agent, me, or an agent id; empty means unassigned.', {
        list: 'edit-assignee-options',
        autocomplete: 'off',
      }),
      agentOptions(ctx, 'edit-assignee-options', [['me', 'me (assign to yourself)']]),
      text('type', 'Type', ticket.type),
      text('tags', 'Tags', (ticket.tags || []).join(', '), 'Separated by commas.'),
      text('cc', 'CC', (ticket.cc || []).join(', '), 'Addresses that also get the public replies, separated by commas.'),
      field(
        'Custom fields',
        h('textarea', { id: 'edit-custom_fields', name: 'custom_fields', rows: '3', value: customText(ticket.custom_fields) }),
        'One per line: name = value. Remove a line to remove the field.',
      ),
    );
  }

  function changes() {
    const form = editForm.elements;
    const out = {};
    for (const name of ['status', 'priority']) if (form[name].value !== ticket[name]) out[name] = form[name].value;
    for (const name of ['group', 'assignee', 'type']) {
      const value = name === 'assignee' ? assigneeInput(ctx, form[name].value) : form[name].value.trim() || null;
      if (value !== (ticket[name] || null)) out[name] = value;
    }
    const tags = form.tags.value.split(',').map((t) => t.trim()).filter(Boolean);
    if (tags.join('\n') !== (ticket.tags || []).join('\n')) out.tags = tags;
    const cc = form.cc.value.split(/[\s,;]+/).map((c) => c.trim().toLowerCase()).filter(Boolean);
    if (cc.join('\n') !== (ticket.cc || []).join('\n')) out.cc = cc;
    const custom = customChanges(form.custom_fields.value, ticket.custom_fields || {});
    if (Object.keys(custom).length) out.custom_fields = custom;
    return out;
  }

  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(editSave, async () => {
      let body;
      try {
        body = changes();
      } catch (err) {
        showError(editError, err, editForm);
        return;
      }
      if (!Object.keys(body).length) {
        showError(editError, { message: 'Nothing changed: edit a field first.' }, editForm);
        return;
      }
      try {
        await api.patch(ticketPath(ticket.id), body, { 'If-Match': `"${version}"` });
        await refresh();
        hideBox(editError);
        ctx.notify(`${ticket.number} was saved.`, 'success');
      } catch (err) {
        if (err.status === 401) return;
        if (err.status === 412) {
          await refresh();
          showError(editError, { message: CONFLICT });
        } else {
          showError(editError, err, editForm);
        }
      }
    });
  });

  function entryForm({ id, heading, title, hint, button, path, extra, done }) {
    const error = h('div', { class: 'alert error', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, button);
    const form = h(
      'form',
      { id, class: `card entry-form ${id}`, 'aria-labelledby': `${id}-title` },
      h('h2', { id: `${id}-title` }, heading),
      field(title, h('textarea', { id: `${id}-body`, name: 'body', rows: '4', required: true }), hint),
      field('Attach files', h('input', { id: `${id}-files`, name: 'files', type: 'file', multiple: true }), 'Up to 5 files, 4 MB each, 6 MB together.'),
      extra || null,
      error,
      h('div', { class: 'actions' }, submit),
    );
    form.querySelector('label').classList.add('visually-hidden');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(submit, async () => {
        const body = { body: form.elements.body.value };
        if (!body.body.trim()) {
          showError(error, { message: 'Write something first.' }, form);
          return;
        }
        if (form.elements.status?.value) body.status = form.elements.status.value;
        try {
          const files = [...form.elements.files.files];
          // bigger bodies never reach the API (Lambda's 6 MB request limit answers a bare 413)
          const tooBig = files.find((file) => file.size > MAX_UPLOAD_BYTES);
          if (tooBig) {
            showError(error, { message: `${tooBig.name} is larger than 4 MB: files up to 4 MB can be attached.` }, form);
            return;
          }
          if (files.length) body.attachments = (await Promise.all(files.map((file) => api.upload(file)))).map((u) => u.data.key);
          await api.post(ticketPath(ticket.id, path), body);
          form.reset();
          hideBox(error);
          await refresh();
          ctx.notify(done, 'success');
        } catch (err) {
          if (err.status !== 401) showError(error, err, form);
        }
      });
    });
    return form;
  }

  const replyForm = entryForm({
    id: 'reply-form',
    heading: 'Reply to the customer',
    title: 'Public reply',
    hint: 'Mailed to the requester.',
    button: 'Send reply',
    path: '/replies',
    done: 'Your reply was sent.',
    extra: field(
      'and set status',
      select('status', [['', 'keep as it is'], ...STATUSES.map((s) => [s, words(s)])], '', { id: 'reply-status' }),
    ),
  });
  const noteForm = entryForm({
    id: 'note-form',
    heading: 'Add an internal note',
    title: 'Internal note',
    hint: 'Only agents see notes.',
    button: 'Add note',
    path: '/notes',
    done: 'Your note was added.',
  });

  const mergeError = h('div', { class: 'alert error', hidden: true });
  const mergeButton = h('button', { type: 'submit' }, 'Merge');
  const mergeForm = h(
    'form',
    { id: 'merge-form', class: 'card', 'aria-labelledby': 'merge-title' },
    h('h2', { id: 'merge-title' }, 'Merge'),
    field('Merge this ticket into', h('input', { id: 'merge-into', name: 'into', required: true, placeholder: 'LKT-…' }), 'Admins only. The conversation moves to the other ticket.'),
    mergeError,
    h('div', { class: 'actions' }, mergeButton),
  );
  mergeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(mergeButton, async () => {
      const into = mergeForm.elements.into.value.trim();
      try {
        const { data } = await api.post(ticketPath(ticket.id, '/merge'), { into });
        ctx.flashNext(`${ticket.number} was merged into ${data.number}.`);
        ctx.navigate(`#/tickets/${encodeURIComponent(data.number)}`);
      } catch (err) {
        if (err.status !== 401) showError(mergeError, err, mergeForm);
      }
    });
  });

  view.append(
    headSlot,
    h(
      'div',
      { class: 'ticket-layout' },
      h(
        'div',
        { class: 'ticket-main' },
        h('section', { 'aria-labelledby': 'conversation-title' }, h('h2', { id: 'conversation-title' }, 'Conversation'), conversation),
        replyForm,
        noteForm,
        h('section', { class: 'card', 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title' }, 'History'), auditSlot),
      ),
      h(
        'aside',
        { class: 'ticket-side', 'aria-label': 'Ticket details and history' },
        h('section', { class: 'card', 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title' }, 'Details'), editForm),
        mergeForm,
      ),
    ),
  );
  view.hidden = true;
  try {
    await refresh();
  } catch (err) {
    view.replaceChildren(
      h('p', { class: 'crumbs' }, h('a', { href: '#/queue' }, 'Queue')),
      h('h1', { tabindex: '-1' }, `Ticket ${ref}`),
    );
    if (err.status !== 401) ctx.notify(err.message, 'error');
  } finally {
    view.hidden = false;
  }
}
