// The signed-in agent's availability in the top bar (available, away, offline): shows the directory's value and
// sets it with PUT /v1/me/availability. Agents the directory does not know have none, and see no control.

import { me } from './agents.js';
import { h } from './dom.js';
import { label, t } from './i18n.js';

export const AVAILABILITY = ['available', 'away', 'offline'];

/** Put the control into `slot` (replacing an earlier one), or nothing when the agent is not in the directory. */
export function renderAvailability(ctx, slot) {
  slot.querySelector('.availability')?.remove();
  const agent = me(ctx);
  if (!agent) return;
  const picker = h(
    'select',
    { id: 'availability', name: 'availability', class: `availability-${agent.availability}` },
    AVAILABILITY.map((value) => h('option', { value, selected: value === agent.availability }, label('availability', value))),
  );
  picker.addEventListener('change', async () => {
    const wanted = picker.value;
    const before = me(ctx) || agent; // as last saved
    picker.disabled = true;
    try {
      const { data } = await ctx.api.request('PUT', '/v1/me/availability', { body: { availability: wanted } });
      ctx.directory.set(agent.id, { ...before, ...data });
      picker.className = `availability-${data.availability}`;
      ctx.notify(t('availability.saved', { availability: label('availability', data.availability) }), 'success');
    } catch (error) {
      picker.value = before.availability;
      if (error.status !== 401) ctx.notify(error.message, 'error');
    } finally {
      picker.disabled = false;
    }
  });
  slot.prepend(
    h(
      'span',
      { class: 'availability' },
      h('label', { for: 'availability', class: 'visually-hidden' }, t('availability.label')),
      picker,
    ),
  );
}
