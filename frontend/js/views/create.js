// Open a ticket on a customer's behalf. One Idempotency-Key per opening of the form: a double click or a
// retry after a lost answer makes one ticket.

import { agentOptions, assigneeInput } from '../agents.js';
import { busy, field, h, hideBox, nextId, select, showError } from '../dom.js';
import { label, t } from '../i18n.js';
import { PRIORITIES } from './queue.js';

const list = (text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export async function renderCreate(ctx, view) {
  const idempotencyKey = crypto.randomUUID();
  const input = (name, props = {}) => h('input', { id: `new-${name.replace('.', '-')}`, name, ...props });
  const error = h('div', { class: 'alert error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('create.submit'));
  const titleId = nextId('create');
  const form = h(
    'form',
    { class: 'card form-grid', novalidate: true, 'aria-labelledby': titleId },
    h(
      'fieldset',
      {},
      h('legend', {}, t('create.customer')),
      field(t('create.email'), input('requester.email', { type: 'email', required: true, autocomplete: 'off' })),
      field(t('create.name'), input('requester.name', { autocomplete: 'off' })),
      field(t('create.cc'), input('cc', { autocomplete: 'off' }), t('create.cc_hint')),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('create.request')),
      field(t('create.subject'), input('subject', { required: true, maxlength: '250' })),
      field(t('create.message'), h('textarea', { id: 'new-body', name: 'body', rows: '8', required: true }), t('create.message_hint')),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('create.routing')),
      field(t('create.priority'), select('priority', PRIORITIES.map((p) => [p, label('priority', p)]), 'normal', { id: 'new-priority' })),
      field(t('create.group'), input('group')),
      field(t('create.assignee'), input('assignee', { list: 'new-assignee-options', autocomplete: 'off' }), t('create.assignee_hint')),
      agentOptions(ctx, 'new-assignee-options', [['me', t('ticket.me_option')]]),
      field(t('create.type'), input('type')),
      field(t('create.tags'), input('tags'), t('create.tags_hint')),
    ),
    error,
    h('div', { class: 'actions' }, submit, h('a', { href: '#/queue', class: 'button' }, t('create.cancel'))),
  );
  view.append(h('h1', { tabindex: '-1', id: titleId }, t('create.title')), form);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, async () => {
      const value = (name) => form.elements[name].value.trim();
      const body = {
        subject: value('subject'),
        body: form.elements.body.value,
        requester: { email: value('requester.email'), name: value('requester.name') },
        priority: value('priority'),
        tags: list(value('tags')),
        cc: list(value('cc')),
      };
      for (const name of ['group', 'type']) if (value(name)) body[name] = value(name);
      const assignee = assigneeInput(ctx, value('assignee'));
      if (assignee) body.assignee = assignee;
      try {
        const { data } = await ctx.api.post('/v1/tickets', body, { 'Idempotency-Key': idempotencyKey });
        hideBox(error);
        ctx.flashNext(t('create.created', { number: data.number }));
        ctx.navigate(`#/tickets/${encodeURIComponent(data.number)}`);
      } catch (err) {
        if (err.status !== 401) showError(error, err, form);
      }
    });
  });
}
