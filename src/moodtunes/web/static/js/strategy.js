/* The strategy: where the playlist takes the mood. Choosing one makes a new playlist, also
   while locked (the lock holds against the cameras only). */

import { errorText } from './api.js';
import { STRATEGY_HINTS } from './config.js';
import { els } from './dom.js';
import { setStatus } from './status.js';
import { store } from './store.js';
import { postMood } from './sync.js';
import { capitalize } from './text.js';

function renderStrategy(name) {
  if (!name) return; // before the first answer the page keeps the default it was rendered with
  for (const button of els.strategyButtons) {
    button.setAttribute('aria-pressed', String(button.dataset.strategy === name));
  }
}

async function chooseStrategy(name) {
  const { busy, strategy } = store.get();
  if (busy.strategy || name === strategy) return;
  store.set({ busy: { ...busy, strategy: true } });
  try {
    await postMood({ strategy: name });
    const hint = STRATEGY_HINTS[name] || 'A new playlist';
    setStatus(`${capitalize(name)}: ${hint.charAt(0).toLowerCase()}${hint.slice(1)}.`, 'info', 'strategy');
  } catch (err) {
    setStatus(errorText(err), 'error', 'strategy');
  } finally {
    store.set({ busy: { ...store.get().busy, strategy: false } });
  }
}

export function bindStrategy() {
  store.watch((s) => s.strategy, renderStrategy);
  for (const button of els.strategyButtons) {
    button.addEventListener('click', () => chooseStrategy(button.dataset.strategy));
  }
}
