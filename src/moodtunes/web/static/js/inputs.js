/* What feeds the mood: the browser camera, an uploaded photo or the server camera, one at a
   time. Starting one stops the one before through the stop function it registered. */

import { store } from './store.js';

export function startInput(name, stop) {
  stopInput();
  store.set({ input: { name, stop } });
}

// Stops the running input when it is one of `names` (any input without names).
export function stopInput(...names) {
  const { input } = store.get();
  if (input && (names.length === 0 || names.includes(input.name))) input.stop();
}

// Called by an input's own stop function: it no longer feeds the mood.
export function endInput(name) {
  const { input } = store.get();
  if (input && input.name === name) store.set({ input: null });
}

export const isInput = (name) => {
  const { input } = store.get();
  return Boolean(input) && input.name === name;
};
