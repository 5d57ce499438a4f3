// The console's settings from config.json. Empty values mean "local stack, same origin".

const DEFAULTS = { apiBaseUrl: '', cognitoDomain: '', clientId: '', redirectUri: '' };

export async function loadConfig() {
  let loaded = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) loaded = await response.json();
  } catch {
    // no config.json: the local defaults
  }
  const config = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (typeof loaded[key] === 'string') config[key] = loaded[key].trim();
  }
  config.apiBaseUrl = config.apiBaseUrl.replace(/\/+$/, '');
  config.redirectUri ||= `${window.location.origin}${window.location.pathname}`;
  config.hostedUi = Boolean(config.cognitoDomain && config.clientId);
  return config;
}
