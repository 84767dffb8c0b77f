/* What the server tells the page when it renders it (the JSON in #moodtunes-config). */

const config = JSON.parse(document.getElementById('moodtunes-config').textContent);

export const ROOT = config.root || '';
export const EMOTIONS = config.emotions || [];
export const EMOJI = config.emoji || {};
export const AFFECT = config.affect || {};
export const STRATEGY_HINTS = config.strategyHints || {};
// Sent with every request that changes something (web/security.py).
export const CSRF_TOKEN = config.csrfToken || '';
export const MAX_UPLOAD_MB = config.maxUploadMb || 0;
export const MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024;
