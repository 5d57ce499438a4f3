// Sign-in: Cognito Hosted UI in AWS; on the local stack one-click development agent/admin; a pasted token anywhere.

import { developmentTokens, saveToken, startHostedSignIn, tokenProblem } from '../auth.js';
import { h, hideBox } from '../dom.js';

export async function renderSignIn(ctx, view, onSignedIn) {
  const { config } = ctx;
  const error = h('div', { class: 'alert error', role: 'alert', hidden: true });
  view.append(
    h('h1', { tabindex: '-1' }, 'Sign in to Loket'),
    h('p', { class: 'lead' }, 'The agent console for the Loket helpdesk.'),
    error,
  );

  const useToken = (token) => {
    const problem = tokenProblem(token);
    if (problem) {
      error.hidden = false;
      error.replaceChildren(h('p', {}, problem));
      return;
    }
    hideBox(error);
    saveToken(token);
    onSignedIn();
  };

  if (config.hostedUi) {
    view.append(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'hosted-title' },
        h('h2', { id: 'hosted-title' }, 'Agents and admins'),
        h('p', {}, 'Sign in with your Loket account (your organisation’s sign-in page opens).'),
        h('button', { type: 'button', class: 'primary', onclick: () => startHostedSignIn(config) }, 'Sign in'),
      ),
    );
  }

  const devSection = h('section', { class: 'card', 'aria-labelledby': 'dev-title', hidden: true });
  view.append(devSection);

  const tokenInput = h('textarea', {
    id: 'paste-token',
    name: 'token',
    rows: '4',
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const pasteForm = h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'paste-title',
      onsubmit: (event) => {
        event.preventDefault();
        useToken(tokenInput.value);
      },
    },
    h('h2', { id: 'paste-title' }, 'Paste a token'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'paste-token' }, 'ID token (JWT)'),
      tokenInput,
      h(
        'small',
        { class: 'hint', id: 'paste-token-hint' },
        config.hostedUi ? 'An ID token of the agent user pool.' : 'Locally, `make token` prints one for the development agent and admin.',
      ),
    ),
    h('button', { type: 'submit' }, 'Sign in with this token'),
  );
  tokenInput.setAttribute('aria-describedby', 'paste-token-hint');
  view.append(pasteForm);

  const tokens = await developmentTokens(config);
  if (tokens) {
    devSection.hidden = false;
    devSection.append(
      h('h2', { id: 'dev-title' }, 'Local development'),
      h('p', {}, 'This console is served by the local stack, which issues development tokens.'),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: () => useToken(tokens.agent) }, 'Sign in as development agent'),
        tokens.lead ? h('button', { type: 'button', onclick: () => useToken(tokens.lead) }, 'Sign in as development lead') : null,
        h('button', { type: 'button', onclick: () => useToken(tokens.admin) }, 'Sign in as development admin'),
      ),
    );
  }
}
