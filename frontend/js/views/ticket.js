// One ticket: header, conversation, reply and note, macros (preview, then applied in one request), field edits
// (If-Match), audit trail (routing and macro entries in words) and merge.

import { agentName, agentOptions, assigneeInput, assigneeView, me } from '../agents.js';
import { ticketPath } from '../api.js';
import { badge, busy, field, h, hideBox, select, showError, time } from '../dom.js';
import { has, label, t, tWith } from '../i18n.js';
import { PRIORITIES, STATUSES } from './queue.js';
import { slaAuditSentence, slaPanel } from './sla.js';

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
      .map(([k, v]) => `${label('field', k)}: ${shown(v)}`)
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
    if (at < 1) throw new Error(t('ticket.custom_line', { line: index + 1 }));
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
  return h('a', { class: 'ticket-ref', 'data-id': id, href: `#/tickets/${encodeURIComponent(id)}` }, t('ticket.another'));
}

function header(ctx, ticket) {
  const facts = [
    [t('ticket.fact.requester'), person(ticket.requester)],
    [t('ticket.fact.cc'), shown(ticket.cc)],
    [t('ticket.fact.group'), shown(ticket.group)],
    [t('ticket.fact.assignee'), assigneeView(ctx, ticket.assignee)],
    [t('ticket.fact.type'), shown(ticket.type)],
    [t('ticket.fact.tags'), shown(ticket.tags)],
    [t('ticket.fact.channel'), label('channel', ticket.channel)],
    [t('ticket.fact.created'), time(ticket.created_at)],
    [t('ticket.fact.updated'), time(ticket.updated_at)],
  ];
  for (const [name, value] of Object.entries(ticket.custom_fields || {})) facts.push([label('field', name), shown(value)]);
  const related = [];
  if (ticket.merged_into) {
    related.push(h('p', { class: 'alert info' }, tWith('ticket.merged_into', { ticket: ticketRef(ticket.merged_into) })));
  }
  if (ticket.follow_up_of) {
    related.push(h('p', { class: 'muted' }, tWith('ticket.follow_up_of', { ticket: ticketRef(ticket.follow_up_of) })));
  }
  if (ticket.quarantine) {
    related.push(h('p', { class: 'alert warning' }, t('ticket.held', { reason: ticket.quarantine.reason || t('ticket.no_reason') })));
  }
  return h(
    'header',
    { class: 'ticket-head' },
    h('nav', { class: 'crumbs', 'aria-label': t('ticket.crumbs') }, h('a', { href: '#/queue' }, t('nav.queue')), ' / ', ticket.number),
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
        problem.textContent = t('ticket.attachment_failed', { name: a.filename, reason: error.message });
        problem.hidden = false;
      } finally {
        open.disabled = false;
      }
    });
    return h('li', {}, open, ` ${t('ticket.attachment_meta', { type: a.content_type, kb: Math.ceil(a.size / 1024) })}`);
  });
  return h('div', {}, h('ul', { class: 'attachments', 'aria-label': t('ticket.attachments') }, items), problem);
}

function entryView(ctx, ref, entry) {
  const author = entry.author || {};
  const who = author.name || author.email || author.id || (author.kind ? label('author', author.kind) : t('ticket.unknown_author'));
  const item = h(
    'li',
    { class: `entry entry-${entry.kind}`, 'data-kind': entry.kind },
    h(
      'div',
      { class: 'entry-meta' },
      h('span', { class: 'entry-kind' }, label('entry', entry.kind)),
      h('strong', {}, who),
      time(entry.created_at),
    ),
    h('div', { class: 'entry-body' }, entry.body_text || ''),
  );
  if (entry.body_html) {
    // The mail's own HTML only in a sandboxed frame: no scripts, no same-origin access, no forms.
    const details = h('details', { class: 'entry-html' }, h('summary', {}, t('ticket.original_formatting')));
    details.addEventListener('toggle', () => {
      if (!details.open || details.querySelector('iframe')) return;
      const frame = h('iframe', { sandbox: '', title: t('ticket.original_formatting_of', { who }), referrerpolicy: 'no-referrer' });
      frame.srcdoc = entry.body_html;
      details.append(frame);
    });
    item.append(details);
  }
  if (entry.attachments?.length) item.append(attachmentList(ctx, ref, entry));
  return item;
}

/** An audit value in words: statuses and priorities by their names, assignees by email. */
function auditValue(ctx, name, value) {
  if (name === 'assignee') return shown(agentName(ctx, value));
  if ((name === 'status' || name === 'priority') && value) return label(name, value);
  return shown(value);
}

/** "priority: normal → high, tags: a, b → a, b, c": the fields a routing decision or a macro changed. */
function changeList(ctx, changes) {
  return Object.entries(changes || {})
    .map(([name, { old, new: now } = {}]) => `${label('field', name)}: ${auditValue(ctx, name, old)} → ${auditValue(ctx, name, now)}`)
    .join(', ');
}

/** A sentence for the entries that are not one field's old and new value: the ticket's creation, a routing decision
 * (by the rules, or an assignment from a group's queue) and a macro. Null for a plain field change. */
function auditSentence(ctx, entry) {
  const value = entry.new && typeof entry.new === 'object' && !Array.isArray(entry.new) ? entry.new : null;
  if (!value) return null;
  const more = (sentence) => {
    const parts = [sentence];
    if (value.changes && Object.keys(value.changes).length) parts.push(t('ticket.audit.changes', { changes: changeList(ctx, value.changes) }));
    if (value.kept?.length) parts.push(t('ticket.audit.kept', { fields: value.kept.map((f) => label('field', f)).join(', ') }));
    return parts.join('; ');
  };
  if (entry.field === 'created') {
    return t('ticket.audit.created', { channel: label('channel', value.channel), subject: value.subject ?? '' });
  }
  if (entry.field === 'sla' || entry.field === 'automation') return slaAuditSentence(entry);
  if (entry.field === 'macro') return more(t('ticket.audit.macro_applied', { name: value.name ?? value.id }));
  if (entry.field !== 'routing') return null;
  if (value.mode && value.agent && !('rules' in value)) {
    // an assignment from the group's queue: {mode, group, agent, turn}
    return t('ticket.audit.routing_assigned', {
      agent: agentName(ctx, value.agent),
      group: value.group,
      mode: label('ticket.audit.mode', value.mode),
    });
  }
  const rules = value.rules || [];
  let sentence;
  if (rules.length > 1) {
    sentence = t('ticket.audit.routed_by_rules', { group: value.group, rules: rules.map((r) => `“${r.name}”`).join(', ') });
  } else if (rules.length === 1 || value.name) {
    sentence = t('ticket.audit.routed_by_rule', { group: value.group, rule: rules[0]?.name ?? value.name });
  } else {
    sentence = t('ticket.audit.routed_default', { group: value.group });
  }
  if (value.assignee) sentence = `${sentence}, ${t('ticket.audit.routed_assignee', { agent: agentName(ctx, value.assignee) })}`;
  return more(sentence);
}

/** Who made an audit entry: an agent's email, a system actor by its catalogue name (the SLA clock, automation). */
function actorName(actor) {
  if (actor.kind === 'system' && has(`ticket.audit.actor.${actor.id}`)) return t(`ticket.audit.actor.${actor.id}`);
  return actor.email || actor.id || label('author', actor.kind);
}

function auditRow(ctx, a) {
  const sentence = auditSentence(ctx, a);
  return h(
    'tr',
    { 'data-field': a.field },
    h('td', {}, time(a.at)),
    h('td', {}, actorName(a.actor)),
    h('td', {}, label('field', a.field)),
    sentence
      ? h('td', { colspan: '2', class: 'audit-sentence' }, sentence)
      : [h('td', {}, auditValue(ctx, a.field, a.old)), h('td', {}, auditValue(ctx, a.field, a.new))],
  );
}

function auditTable(ctx, items) {
  if (!items.length) return h('p', { class: 'muted' }, t('ticket.audit.empty'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'audit', id: 'audit-table' },
      h('caption', { class: 'visually-hidden' }, t('ticket.audit.caption')),
      h('thead', {}, h('tr', {}, ['when', 'who', 'field', 'from', 'to'].map((name) => h('th', { scope: 'col' }, t(`ticket.audit.${name}`))))),
      h('tbody', {}, items.map((a) => auditRow(ctx, a))),
    ),
  );
}

/** A macro's body with its placeholders filled in as the API will (the status link is signed by the API: the
 * preview names it). */
function previewText(ctx, macro, ticket) {
  const agent = me(ctx);
  const values = {
    requester_name: ticket.requester.name || ticket.requester.email,
    ticket_number: ticket.number,
    agent_name: agent?.name || agent?.email || ctx.user?.name || '',
    status_link: t('ticket.macro.status_link'),
  };
  return macro.body.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name) => (Object.hasOwn(values, name) ? values[name] : whole));
}

/** What a macro changes besides posting: "status: resolved, adds tags refund". */
function macroActions(macro) {
  const a = macro.actions || {};
  const parts = [];
  if (a.status) parts.push(`${label('field', 'status')}: ${label('status', a.status)}`);
  if (a.priority) parts.push(`${label('field', 'priority')}: ${label('priority', a.priority)}`);
  if (a.tags_add?.length) parts.push(t('ticket.macro.tags_add', { tags: a.tags_add.join(', ') }));
  if (a.tags_remove?.length) parts.push(t('ticket.macro.tags_remove', { tags: a.tags_remove.join(', ') }));
  return parts.length ? t('ticket.macro.sets', { changes: parts.join(', ') }) : '';
}

export async function renderTicket(ctx, view, ref) {
  const { api } = ctx;
  let ticket = null;
  let version = null;

  const headSlot = h('div');
  const conversation = h('ol', { class: 'conversation', id: 'conversation', 'aria-labelledby': 'conversation-title' });
  const auditSlot = h('div');
  const slaSlot = h('div');
  const editFields = h('div', { class: 'edit-fields' });
  const editError = h('div', { class: 'alert error', hidden: true });
  const editSave = h('button', { type: 'submit', class: 'primary' }, t('ticket.save'));
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
    if (!entries.data.items.length) conversation.append(h('li', { class: 'muted' }, t('ticket.no_messages')));
    auditSlot.replaceChildren(auditTable(ctx, audit.data.items));
    slaSlot.replaceChildren(slaPanel(ticket.sla ?? null));
    renderEditFields();
  }

  function renderEditFields() {
    const statuses = STATUSES.includes(ticket.status) ? STATUSES : [ticket.status, ...STATUSES];
    const text = (name, value, hint, props = {}) =>
      field(t(`ticket.edit.${name}`), h('input', { id: `edit-${name}`, name, value: value ?? '', ...props }), hint);
    editFields.replaceChildren(
      field(t('ticket.edit.status'), select('status', statuses.map((s) => [s, label('status', s)]), ticket.status, { id: 'edit-status' })),
      field(
        t('ticket.edit.priority'),
        select('priority', PRIORITIES.map((p) => [p, label('priority', p)]), ticket.priority, { id: 'edit-priority' }),
      ),
      text('group', ticket.group),
      text('assignee', ticket.assignee, t('ticket.edit.assignee_hint'), { list: 'edit-assignee-options', autocomplete: 'off' }),
      agentOptions(ctx, 'edit-assignee-options', [['me', t('ticket.me_option')]]),
      text('type', ticket.type),
      text('tags', (ticket.tags || []).join(', '), t('ticket.edit.tags_hint')),
      text('cc', (ticket.cc || []).join(', '), t('ticket.edit.cc_hint')),
      field(
        t('ticket.edit.custom_fields'),
        h('textarea', { id: 'edit-custom_fields', name: 'custom_fields', rows: '3', value: customText(ticket.custom_fields) }),
        t('ticket.edit.custom_fields_hint'),
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
        showError(editError, { message: t('ticket.nothing_changed') }, editForm);
        return;
      }
      try {
        await api.patch(ticketPath(ticket.id), body, { 'If-Match': `"${version}"` });
        await refresh();
        hideBox(editError);
        ctx.notify(t('ticket.saved', { number: ticket.number }), 'success');
      } catch (err) {
        if (err.status === 401) return;
        if (err.status === 412) {
          await refresh();
          showError(editError, { message: t('ticket.conflict') });
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
      field(t('ticket.attach'), h('input', { id: `${id}-files`, name: 'files', type: 'file', multiple: true }), t('ticket.attach_hint')),
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
          showError(error, { message: t('ticket.write_first') }, form);
          return;
        }
        if (form.elements.status?.value) body.status = form.elements.status.value;
        try {
          const files = [...form.elements.files.files];
          // bigger bodies never reach the API (Lambda's 6 MB request limit answers a bare 413)
          const tooBig = files.find((file) => file.size > MAX_UPLOAD_BYTES);
          if (tooBig) {
            showError(error, { message: t('ticket.too_big', { name: tooBig.name }) }, form);
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
    heading: t('ticket.reply.heading'),
    title: t('ticket.reply.label'),
    hint: t('ticket.reply.hint'),
    button: t('ticket.reply.button'),
    path: '/replies',
    done: t('ticket.reply.done'),
    extra: field(
      t('ticket.reply.status'),
      select('status', [['', t('ticket.reply.keep_status')], ...STATUSES.map((s) => [s, label('status', s)])], '', {
        id: 'reply-status',
      }),
    ),
  });
  const noteForm = entryForm({
    id: 'note-form',
    heading: t('ticket.note.heading'),
    title: t('ticket.note.label'),
    hint: t('ticket.note.hint'),
    button: t('ticket.note.button'),
    path: '/notes',
    done: t('ticket.note.done'),
  });

  // macros: pick one, see it filled in for this ticket, apply it (one request: the reply or note and its changes)
  let macros = [];
  const macroError = h('div', { class: 'alert error', hidden: true });
  const macroApply = h('button', { type: 'submit', class: 'primary' }, t('ticket.macro.apply'));
  const macroPick = h('select', { id: 'macro-pick', name: 'macro' }, h('option', { value: '' }, t('ticket.macro.choose')));
  const macroPreview = h('div', { id: 'macro-preview', class: 'macro-preview', 'aria-live': 'polite', hidden: true });
  const macroForm = h(
    'form',
    { id: 'macro-form', class: 'card entry-form macro-form', 'aria-labelledby': 'macro-form-title' },
    h('h2', { id: 'macro-form-title' }, t('ticket.macro.heading')),
    field(t('ticket.macro.pick'), macroPick, t('ticket.macro.pick_hint')),
    macroPreview,
    macroError,
    h('div', { class: 'actions' }, macroApply),
  );
  const chosenMacro = () => macros.find((m) => m.id === macroPick.value) || null;
  function showPreview() {
    const macro = chosenMacro();
    macroPreview.hidden = !macro;
    if (!macro) return macroPreview.replaceChildren();
    macroPreview.replaceChildren(
      h('h3', { id: 'macro-preview-title' }, t('ticket.macro.preview')),
      h('p', { class: 'muted macro-kind' }, t(`ticket.macro.kind.${macro.kind}`)),
      h('div', { class: 'entry-body macro-body', 'aria-labelledby': 'macro-preview-title' }, previewText(ctx, macro, ticket)),
      macroActions(macro) ? h('p', { class: 'macro-actions' }, macroActions(macro)) : null,
    );
    return undefined;
  }
  macroPick.addEventListener('change', () => {
    hideBox(macroError);
    showPreview();
  });
  async function loadMacros() {
    try {
      const { data } = await api.get('/v1/macros');
      macros = data.items || [];
      macroPick.replaceChildren(
        h('option', { value: '' }, macros.length ? t('ticket.macro.choose') : t('ticket.macro.none')),
        ...macros.map((m) => h('option', { value: m.id }, m.name)),
      );
    } catch (err) {
      if (err.status !== 401) showError(macroError, { message: t('ticket.macro.load_failed', { reason: err.message }) });
    }
  }
  macroForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(macroApply, async () => {
      const macro = chosenMacro();
      if (!macro) {
        showError(macroError, { message: t('ticket.macro.pick_first') }, macroForm);
        return;
      }
      try {
        await api.post(ticketPath(ticket.id, `/macros/${encodeURIComponent(macro.id)}`), undefined, { 'If-Match': `"${version}"` });
        macroPick.value = '';
        showPreview();
        hideBox(macroError);
        await refresh();
        ctx.notify(t('ticket.macro.applied', { name: macro.name, number: ticket.number }), 'success');
      } catch (err) {
        if (err.status === 401) return;
        if (err.status === 412) {
          await refresh();
          showError(macroError, { message: t('ticket.conflict') });
        } else {
          showError(macroError, err, macroForm);
        }
      }
    });
  });

  // keyboard shortcuts of this view: r and n go to the reply and the note, a assigns the ticket to me
  ctx.actions.reply = () => replyForm.elements.body.focus();
  ctx.actions.note = () => noteForm.elements.body.focus();
  let assigning = false;
  ctx.actions.assignMe = async () => {
    if (!ticket || !ctx.user?.id || assigning) return;
    if (ticket.assignee === ctx.user.id) {
      ctx.notify(t('ticket.already_yours', { number: ticket.number }), 'info');
      return;
    }
    assigning = true;
    try {
      await api.patch(ticketPath(ticket.id), { assignee: ctx.user.id }, { 'If-Match': `"${version}"` });
      await refresh();
      ctx.notify(t('ticket.assigned_to_you', { number: ticket.number }), 'success');
    } catch (err) {
      if (err.status === 412) {
        await refresh();
        ctx.notify(t('ticket.conflict'), 'error');
      } else if (err.status !== 401) {
        ctx.notify(err.message, 'error');
      }
    } finally {
      assigning = false;
    }
  };

  const mergeError = h('div', { class: 'alert error', hidden: true });
  const mergeButton = h('button', { type: 'submit' }, t('ticket.merge.button'));
  const mergeForm = h(
    'form',
    { id: 'merge-form', class: 'card', 'aria-labelledby': 'merge-title' },
    h('h2', { id: 'merge-title' }, t('ticket.merge.heading')),
    field(
      t('ticket.merge.into'),
      h('input', { id: 'merge-into', name: 'into', required: true, placeholder: t('ticket.merge.placeholder') }),
      t('ticket.merge.hint'),
    ),
    mergeError,
    h('div', { class: 'actions' }, mergeButton),
  );
  mergeForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(mergeButton, async () => {
      const into = mergeForm.elements.into.value.trim();
      try {
        const { data } = await api.post(ticketPath(ticket.id, '/merge'), { into });
        ctx.flashNext(t('ticket.merged', { number: ticket.number, into: data.number }));
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
        h('section', { 'aria-labelledby': 'conversation-title' }, h('h2', { id: 'conversation-title' }, t('ticket.conversation')), conversation),
        replyForm,
        noteForm,
        macroForm, // after the composer's own forms: Tab from the heading still reaches the reply first
        h('section', { class: 'card', 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title' }, t('ticket.history')), auditSlot),
      ),
      h(
        'aside',
        { class: 'ticket-side', 'aria-label': t('ticket.side') },
        slaSlot,
        h('section', { class: 'card', 'aria-labelledby': 'edit-title' }, h('h2', { id: 'edit-title' }, t('ticket.details')), editForm),
        mergeForm,
      ),
    ),
  );
  view.hidden = true;
  try {
    await Promise.all([refresh(), loadMacros()]);
  } catch (err) {
    view.replaceChildren(
      h('nav', { class: 'crumbs', 'aria-label': t('ticket.crumbs') }, h('a', { href: '#/queue' }, t('nav.queue'))),
      h('h1', { tabindex: '-1' }, t('ticket.title_fallback', { ref })),
    );
    if (err.status !== 401) ctx.notify(err.message, 'error');
  } finally {
    view.hidden = false;
  }
}
