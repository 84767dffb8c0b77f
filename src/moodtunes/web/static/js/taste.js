/* The listener's stated taste: favourite artists and genres. */

import { api, errorText, isAbort } from './api.js';
import { els } from './dom.js';
import { setMusicStatus } from './status.js';
import { reloadState } from './sync.js';

function splitNames(text) {
  return text.split(',').map((name) => name.trim()).filter((name) => name);
}

// A field the listener has typed into since the last save keeps the typing: the saved taste
// that loads when the form opens may arrive after the first keystrokes.
function showTaste(field, names) {
  if (field.dataset.typed) return;
  field.value = (names || []).join(', ');
}

async function loadTaste() {
  try {
    const taste = await api('/api/profile');
    showTaste(els.tasteArtists, taste.favourite_artists);
    showTaste(els.tasteGenres, taste.favourite_genres);
  } catch (err) {
    // Only a convenience: the form stays empty and still works.
  }
}

async function saveTaste(event) {
  event.preventDefault();
  try {
    const taste = await api('/api/profile', {
      method: 'POST',
      json: {
        favourite_artists: splitNames(els.tasteArtists.value),
        favourite_genres: splitNames(els.tasteGenres.value),
      },
    });
    for (const field of [els.tasteArtists, els.tasteGenres]) delete field.dataset.typed;
    showTaste(els.tasteArtists, taste.favourite_artists);
    showTaste(els.tasteGenres, taste.favourite_genres);
    setMusicStatus('Saved your taste; the playlist now leans towards it.');
    await reloadState(true);
  } catch (err) {
    if (!isAbort(err)) setMusicStatus(errorText(err), 'error');
  }
}

export function bindTaste() {
  els.tasteForm.addEventListener('submit', saveTaste);
  for (const field of [els.tasteArtists, els.tasteGenres]) {
    field.addEventListener('input', () => { field.dataset.typed = '1'; });
  }
  els.taste.addEventListener('toggle', () => { if (els.taste.open) loadTaste(); });
}
