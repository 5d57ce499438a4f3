// Sign-in: Cognito Hosted UI in AWS; on the local stack one-click development agent/admin; a pasted token anywhere.

import { developmentTokens, saveToken, startHostedSignIn, tokenProblem } from '../auth.js';
import { h, hideBox } from '../dom.js';
import { t } from '../i18n.js';

export async function renderSignIn(ctx, view, onSignedIn) {
  const { config } = ctx;
  const error = h('div', { class: 'alert error', role: 'alert', hidden: true });
  view.append(h('h1', { tabindex: '-1' }, t('signin.title')), h('p', { class: 'lead' }, t('signin.lead')), error);

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
        h('h2', { id: 'hosted-title' }, t('signin.hosted_title')),
        h('p', {}, t('signin.hosted_text')),
        h('button', { type: 'button', class: 'primary', onclick: () => startHostedSignIn(config) }, t('signin.hosted_button')),
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
    'aria-describedby': 'paste-token-hint',
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
    h('h2', { id: 'paste-title' }, t('signin.paste_title')),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'paste-token' }, t('signin.paste_label')),
      tokenInput,
      h('small', { class: 'hint', id: 'paste-token-hint' }, t(config.hostedUi ? 'signin.paste_hint_hosted' : 'signin.paste_hint_local')),
    ),
    h('button', { type: 'submit' }, t('signin.paste_button')),
  );
  view.append(pasteForm);

  const tokens = await developmentTokens(config);
  if (tokens) {
    devSection.hidden = false;
    const as = (who, primary) =>
      h('button', { type: 'button', class: primary ? 'primary' : null, onclick: () => useToken(tokens[who]) }, t(`signin.dev_${who}`));
    devSection.append(
      h('h2', { id: 'dev-title' }, t('signin.dev_title')),
      h('p', {}, t('signin.dev_text')),
      h('div', { class: 'actions' }, as('agent', true), tokens.lead ? as('lead') : null, as('admin')),
    );
  }
}
