/* What the listener thinks of a song: 👍 and 👎 change the playlist at once; a play counts
   from the next playlist on. */

import { api, errorText, isAbort } from './api.js';
import { setMusicStatus } from './status.js';
import { store } from './store.js';
import { reloadState } from './sync.js';

// The key the server gives each song, as a Map or Set key.
export const songKey = (song) => JSON.stringify(song.key);

export function sendFeedback(song, kind) {
  return api('/api/feedback', {
    method: 'POST',
    json: { title: String(song.title ?? ''), artist: String(song.artist ?? ''), kind },
  });
}

async function rate(button, song, name, kind) {
  button.disabled = true;
  try {
    await sendFeedback(song, kind);
    if (kind === 'like') {
      store.set({ liked: new Set([...store.get().liked, songKey(song)]) });
      button.setAttribute('aria-pressed', 'true');
      setMusicStatus(`Noted: you like ${name}. Songs like it will come up more often.`);
    } else {
      setMusicStatus(`${name} is off your playlists.`);
    }
    // A like or dislike changes the list at once: a liked song says so, a disliked one leaves.
    await reloadState(true);
  } catch (err) {
    if (!isAbort(err)) setMusicStatus(errorText(err), 'error');
  } finally {
    button.disabled = false;
  }
}

export function rateButton(song, name, kind) {
  const like = kind === 'like';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `rate rate-${kind}`;
  button.dataset.kind = kind;
  button.title = like ? 'I like this song' : 'Not for me: take it off my playlists';
  button.setAttribute('aria-label', `${like ? 'I like' : 'Not for me'}: ${name}`);
  if (like) button.setAttribute('aria-pressed', String(store.get().liked.has(songKey(song))));
  button.textContent = like ? '👍' : '👎';
  button.addEventListener('click', () => rate(button, song, name, kind));
  return button;
}
