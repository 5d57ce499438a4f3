// Open a ticket on a customer's behalf. One Idempotency-Key per opening of the form: a double click or a
// retry after a lost answer makes one ticket.

import { agentOptions, assigneeInput } from '../agents.js';
import { busy, field, h, hideBox, nextId, select, showError } from '../dom.js';
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
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create ticket');
  const form = h(
    'form',
    { class: 'card form-grid', novalidate: true, 'aria-labelledby': nextId('create') },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Customer'),
      field('Email', input('requester.email', { type: 'email', required: true, autocomplete: 'off' })),
      field('Name', input('requester.name', { autocomplete: 'off' })),
      field('Cc', input('cc', { autocomplete: 'off' }), 'Other addresses to copy, separated by commas.'),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Request'),
      field('Subject', input('subject', { required: true, maxlength: '250' })),
      field(
        'Message',
        h('textarea', { id: 'new-body', name: 'body', rows: '8', required: true }),
        'The customer’s request in plain text, as they would have written it.',
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Routing'),
      field('Priority', select('priority', PRIORITIES.map((p) => [p, p]), 'normal', { id: 'new-priority' })),
      field('Group', input('group')),
      field(
        'Assignee',
        input('assignee', { list: 'new-assignee-options', autocomplete: 'off' }),
        'An agent, me, or an agent id; leave empty for the routing rules.',
      ),
      agentOptions(ctx, 'new-assignee-options', [['me', 'me (assign to yourself)']]),
      field('Type', input('type')),
      field('Tags', input('tags'), 'Separated by commas.'),
    ),
    error,
    h('div', { class: 'actions' }, submit, h('a', { href: '#/queue', class: 'button' }, 'Cancel')),
  );
  view.append(h('h1', { tabindex: '-1', id: form.getAttribute('aria-labelledby') }, 'New ticket'), form);

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
        ctx.flashNext(`Ticket ${data.number} was created.`);
        ctx.navigate(`#/tickets/${encodeURIComponent(data.number)}`);
      } catch (err) {
        if (err.status !== 401) showError(error, err, form);
      }
    });
  });
}
