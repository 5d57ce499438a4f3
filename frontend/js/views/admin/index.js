// The admin pages under #/admin/<page>: each with the least role that may open it. A lead opens the agents page
// (availability and capacity of the agents of their groups); groups, rules and macros are for admins.

import { renderAgents } from './agents.js';
import { renderGroups } from './groups.js';
import { renderMacros } from './macros.js';
import { renderRules } from './rules.js';

const RANK = { agent: 1, lead: 2, admin: 3 };
const PAGES = {
  groups: { role: 'admin', render: renderGroups },
  agents: { role: 'lead', render: renderAgents },
  rules: { role: 'admin', render: renderRules },
  macros: { role: 'admin', render: renderMacros },
};

/** Render #/admin/<page>; false (not found) for an unknown page or one the agent's role may not open. */
export async function renderAdmin(ctx, view, page) {
  const found = Object.hasOwn(PAGES, page || '') ? PAGES[page] : null;
  if (!found || (RANK[ctx.user?.role] || 0) < RANK[found.role]) return false;
  await found.render(ctx, view);
  return true;
}
