/* 30-second previews from Deezer, one at a time, through the page's one <audio>. */

import { api, ApiError, errorText, Latest } from './api.js';
import { els, icon } from './dom.js';
import { sendFeedback, songKey } from './feedback.js';
import { setMusicStatus } from './status.js';
import { store } from './store.js';

// Song key -> {preview_url, link}. Deezer's URLs expire, so this is only for while the page is open.
const previewCache = new Map();
// The request for a preview: asking for another aborts the one before.
const previewRequests = new Latest();

const PREVIEW_ICON = [
  ['path', { class: 'icon-play', d: 'M8 5.5v13l10.5-6.5z', fill: 'currentColor' }],
  ['path', { class: 'icon-pause', d: 'M7.5 5.5h3v13h-3zM13.5 5.5h3v13h-3z', fill: 'currentColor' }],
];

export function previewButton(song, name) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'preview';
  button.dataset.key = songKey(song);
  button.title = 'Play a 30-second preview (from Deezer)';
  button.setAttribute('aria-label', `Preview: ${name}`);
  const playing = button.dataset.key === store.get().preview.key && !els.previewAudio.paused;
  button.setAttribute('aria-pressed', String(playing));
  button.append(icon(PREVIEW_ICON));
  button.addEventListener('click', () => togglePreview(button, song, name));
  return button;
}

function renderPreviewButtons() {
  const playing = !els.previewAudio.paused;
  const { key } = store.get().preview;
  for (const button of els.playlistBody.querySelectorAll('button.preview')) {
    button.setAttribute('aria-pressed', String(playing && button.dataset.key === key));
  }
}

function stopPreview() {
  previewRequests.abort();
  store.set({ preview: { key: null, name: '' } });
  els.previewAudio.pause();
  els.previewAudio.removeAttribute('src');
  els.previewAudio.load(); // drops the download of the old clip
  for (const button of els.playlistBody.querySelectorAll('button.preview[aria-busy]')) {
    button.removeAttribute('aria-busy');
  }
  renderPreviewButtons();
}

function previewProblem(err, name) {
  if (err && err.code === 'no_preview') return `Deezer has no preview of ${name}.`;
  if (err instanceof ApiError) return errorText(err);
  return navigator.onLine === false
    ? "Couldn't play the preview: you seem to be offline."
    : `Couldn't play the preview of ${name}.`;
}

async function togglePreview(button, song, name) {
  const key = button.dataset.key;
  const audio = els.previewAudio;
  if (key === store.get().preview.key) {
    if (!audio.paused) {
      audio.pause();
      return;
    }
    if (audio.getAttribute('src')) {
      audio.play().catch((err) => setMusicStatus(previewProblem(err, name), 'error'));
      return;
    }
  }
  stopPreview();
  const signal = previewRequests.next();
  store.set({ preview: { key, name } });
  button.setAttribute('aria-busy', 'true');
  setMusicStatus(`Fetching a preview of ${name}…`);
  try {
    let found = previewCache.get(key);
    if (!found) {
      const query = new URLSearchParams({ title: String(song.title ?? ''), artist: String(song.artist ?? '') });
      found = await api(`/api/deezer/preview?${query}`, { signal });
      previewCache.set(key, found);
    }
    if (signal.aborted) return;
    audio.src = found.preview_url;
    await audio.play();
    // A play counts towards the next playlists (never the one on screen); losing one is harmless.
    sendFeedback(song, 'play').catch(() => {});
    if (signal.aborted) return;
    setMusicStatus(`Playing 30 seconds of ${name}.`, 'info',
      found.link ? { href: found.link, text: 'Listen on Deezer' } : null);
  } catch (err) {
    if (signal.aborted) return; // another preview, or none, took its place
    previewCache.delete(key); // the link may have expired: ask afresh next time
    stopPreview();
    setMusicStatus(previewProblem(err, name), 'error');
  } finally {
    button.removeAttribute('aria-busy');
  }
}

// A preview of a song that left the playlist would play on with no button to stop it.
function keepPreviewOnPlaylist(songs) {
  const { key } = store.get().preview;
  if (key && !songs.some((song) => songKey(song) === key)) stopPreview();
}

export function bindPreviews() {
  const audio = els.previewAudio;
  for (const name of ['play', 'pause', 'ended']) audio.addEventListener(name, renderPreviewButtons);
  audio.addEventListener('ended', () => store.set({ preview: { key: null, name: '' } }));
  audio.addEventListener('error', () => {
    // Only a clip still wanted is worth a word; stopPreview() also ends in an empty src.
    const { key, name } = store.get().preview;
    if (!key || !audio.getAttribute('src')) return;
    previewCache.delete(key);
    stopPreview();
    setMusicStatus(previewProblem(null, name), 'error');
  });
  store.watch((s) => s.songs, keepPreviewOnPlaylist);
}
