/* The server's answers into the store. The mood is taken from every answer; the playlist and
   its songs only when the playlist really changed, so the table is rebuilt exactly then:
   the server says `playlist_changed`, a like or dislike or a new taste changed the list, or a
   state read finds another generation or strategy (the server camera moved it). */

import { api, Latest } from './api.js';
import { store } from './store.js';

// Reads of /api/state for a new table: a newer read, or a deliberate choice, aborts the older.
const reloads = new Latest();

// True when `answer` (shaped like /api/state) holds another playlist than the one shown.
export function isNewPlaylist(answer) {
  const shown = store.get().playlist;
  const next = answer && answer.playlist;
  if (!next) return false;
  return !shown || next.generation !== shown.generation || next.strategy !== shown.strategy;
}

// Takes an answer shaped like /api/state; with `rebuild`, its playlist and songs too.
export function applyState(answer, rebuild) {
  if (!answer || typeof answer !== 'object') return;
  const patch = {};
  if ('mood' in answer) patch.mood = answer.mood || null;
  if ('server_camera_error' in answer) patch.serverCameraError = answer.server_camera_error || null;
  // The strategy is the browser's choice, known also before there is a playlist.
  if (answer.playlist && answer.playlist.strategy) patch.strategy = answer.playlist.strategy;
  if (rebuild && answer.playlist && Array.isArray(answer.recommendations)) {
    patch.playlist = answer.playlist;
    patch.songs = answer.recommendations;
  }
  store.set(patch);
}

// An answer of POST /api/emotion: the faces for the stage (about `image`: {width, height,
// mirrored}) with the one the music follows, the mood, and the new playlist when there is
// one. Gives {faces, driver}.
export function applyEmotionAnswer(answer, image) {
  const faces = Array.isArray(answer && answer.faces) ? answer.faces : [];
  const driver = Number.isInteger(answer && answer.driver) && answer.driver < faces.length
    ? answer.driver : null;
  store.set({ detection: { faces, driver, ...image } });
  applyChange(answer);
  return { faces, driver };
}

// GET /api/state; the table is rebuilt when `always`, else only for another playlist.
export async function loadState({ always = false, signal } = {}) {
  const state = await api('/api/state', { signal });
  applyState(state, always || isNewPlaylist(state));
  return state;
}

// loadState as a reload that the next reload or deliberate choice supersedes.
export function reloadState(always) {
  return loadState({ always, signal: reloads.next() });
}

// An answer with `playlist_changed` brings the newest playlist: a read still on its way
// would only bring an older one.
function applyChange(answer) {
  const changed = Boolean(answer && answer.playlist_changed);
  if (changed) reloads.abort();
  applyState(answer, changed);
}

// POST /api/mood with `json`; its answer is the state, with `playlist_changed`.
export async function postMood(json) {
  const answer = await api('/api/mood', { method: 'POST', json });
  applyChange(answer);
  return answer;
}
