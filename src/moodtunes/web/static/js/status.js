/* The two status lines: under the mood (camera, mood, lock, strategy) and under the playlist
   (previews, feedback, taste, Spotify). */

import { els } from './dom.js';
import { store } from './store.js';

// Several loops write to the mood's line; each names itself as `owner` and clears only its words.
export function setStatus(text, kind = 'info', owner = '') {
  store.set({ status: { text, kind: text ? kind : '', owner } });
}

export function clearStatus(owner) {
  if (store.get().status.owner === owner) setStatus('');
}

// `link` ({href, text, after}) ends the line with a link, and `after` after it.
export function setMusicStatus(text, kind = 'info', link = null) {
  store.set({ music: { text, kind: text ? kind : '', link } });
}

export function bindStatus() {
  store.watch((s) => s.status, (status) => {
    if (els.status.textContent !== status.text) els.status.textContent = status.text;
    els.status.dataset.kind = status.kind;
  });
  store.watch((s) => s.music, ({ text, kind, link }) => {
    const parts = [text];
    if (link) {
      const anchor = document.createElement('a');
      anchor.href = link.href;
      anchor.target = '_blank';
      anchor.rel = 'noopener';
      anchor.textContent = link.text;
      parts.push(' ', anchor);
      if (link.after) parts.push(link.after);
    }
    els.musicStatus.replaceChildren(...parts);
    els.musicStatus.dataset.kind = kind;
  });
}
