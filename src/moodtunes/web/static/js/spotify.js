/* Spotify: connect, save the playlist, import playlists. */

import { api, errorText, isAbort } from './api.js';
import { EMOJI, EMOTIONS } from './config.js';
import { els } from './dom.js';
import { setMusicStatus } from './status.js';
import { store } from './store.js';
import { reloadState } from './sync.js';
import { capitalize, songs } from './text.js';

const SPOTIFY_TIMEOUT_MS = 90000; // reading a long playlist, or searching every song, takes a while

function renderSpotify(state) {
  if (!els.spotify || !state) return;
  const configured = Boolean(state.configured);
  const connected = configured && Boolean(state.connected);
  els.spotify.hidden = false;
  els.spotify.dataset.state = !configured ? 'unconfigured' : connected ? 'connected' : 'disconnected';
  els.spotifyHeading.hidden = !configured;
  els.spotifyHint.hidden = configured;
  els.spotifyDisconnected.hidden = !configured || connected;
  els.spotifyConnected.hidden = !connected;
  els.spotifyUser.textContent = state.user ? `Connected as ${state.user}.` : 'Connected.';
  if (!connected) {
    els.spotifyImport.hidden = true;
    els.spotifyImportToggle.setAttribute('aria-expanded', 'false');
  }
}

export async function refreshSpotify() {
  if (!els.spotify) return;
  try {
    store.set({ spotify: await api('/api/spotify/status') });
  } catch (err) {
    // The section stays as it was; the playlist still works without it.
  }
}

function spotifyFailed(err) {
  setMusicStatus(errorText(err), 'error');
  if (err && err.code === 'spotify_reconnect') refreshSpotify(); // shows "Connect Spotify" again
}

async function saveToSpotify() {
  const button = els.spotifySave;
  button.disabled = true;
  setMusicStatus('Saving the playlist to your Spotify…');
  try {
    const answer = await api('/api/spotify/save', { method: 'POST', json: {}, timeoutMs: SPOTIFY_TIMEOUT_MS });
    const saved = `Saved ${songs(answer.saved)} as “${answer.name}”.`;
    const missing = Array.isArray(answer.not_found) && answer.not_found.length
      ? ` Not found on Spotify: ${answer.not_found.join(', ')}.`
      : '';
    setMusicStatus(saved, 'info', { href: answer.url, text: 'Open it in Spotify', after: missing ? `.${missing}` : '' });
  } catch (err) {
    spotifyFailed(err);
  } finally {
    button.disabled = store.get().songs.length === 0;
  }
}

function playlistItem(playlist) {
  const item = document.createElement('li');
  item.className = 'spotify-playlist';
  const name = document.createElement('span');
  name.className = 'spotify-playlist-name';
  name.textContent = String(playlist.name ?? '');
  const count = document.createElement('span');
  count.className = 'muted';
  if (Number.isInteger(playlist.tracks)) count.textContent = songs(playlist.tracks);

  const select = document.createElement('select');
  select.setAttribute('aria-label', `Emotion for ${playlist.name}`);
  const none = document.createElement('option');
  none.value = '';
  none.textContent = 'Emotion…';
  select.append(none);
  for (const emotion of EMOTIONS) {
    const option = document.createElement('option');
    option.value = emotion;
    option.textContent = `${EMOJI[emotion] || ''} ${capitalize(emotion)}`.trim();
    select.append(option);
  }
  select.value = playlist.emotion || '';

  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn btn-small';
  button.textContent = 'Import';
  button.setAttribute('aria-label', `Import ${playlist.name}`);
  button.disabled = !select.value;
  select.addEventListener('change', () => { button.disabled = !select.value; });
  button.addEventListener('click', () => importPlaylist(playlist, select.value, button));

  item.append(name, count, select, button);
  return item;
}

function note(text) {
  const item = document.createElement('li');
  item.className = 'muted spotify-note';
  item.textContent = text;
  return item;
}

async function loadPlaylists() {
  els.spotifyPlaylists.replaceChildren(note('Loading your playlists…'));
  try {
    const answer = await api('/api/spotify/playlists', { timeoutMs: SPOTIFY_TIMEOUT_MS });
    const all = Array.isArray(answer && answer.playlists) ? answer.playlists : [];
    const readable = all.filter((p) => p.readable);
    const items = readable.map(playlistItem);
    if (!readable.length) items.push(note('You have no playlists of your own on Spotify yet.'));
    const others = all.length - readable.length;
    if (others) {
      items.push(note(`${others} ${others === 1 ? 'playlist' : 'playlists'} by others left out: `
        + 'Spotify lets this app read only playlists you own or collaborate on.'));
    }
    els.spotifyPlaylists.replaceChildren(...items);
  } catch (err) {
    els.spotifyPlaylists.replaceChildren(note(errorText(err)));
    spotifyFailed(err);
  }
}

function toggleImport() {
  const open = els.spotifyImportToggle.getAttribute('aria-expanded') !== 'true';
  els.spotifyImportToggle.setAttribute('aria-expanded', String(open));
  els.spotifyImport.hidden = !open;
  if (open) loadPlaylists();
}

async function importPlaylist(playlist, emotion, button) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  setMusicStatus(`Importing “${playlist.name}”…`);
  try {
    const answer = await api('/api/spotify/import', {
      method: 'POST',
      json: { playlist_id: playlist.id, emotion },
      timeoutMs: SPOTIFY_TIMEOUT_MS,
    });
    setMusicStatus(`Imported ${songs(answer.tracks)} from “${playlist.name}” for a ${answer.emotion} mood `
      + `(${answer.added} new to moodtunes).`);
    await reloadState(true);
  } catch (err) {
    if (!isAbort(err)) spotifyFailed(err);
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = false;
  }
}

async function disconnectSpotify() {
  try {
    await api('/api/spotify/disconnect', { method: 'POST' });
    setMusicStatus('Spotify is disconnected from this browser.');
  } catch (err) {
    setMusicStatus(errorText(err), 'error');
  }
  refreshSpotify();
}

export function bindSpotify() {
  if (!els.spotify) return;
  store.watch((s) => s.spotify, renderSpotify);
  els.spotifySave.addEventListener('click', saveToSpotify);
  els.spotifyImportToggle.addEventListener('click', toggleImport);
  els.spotifyDisconnect.addEventListener('click', disconnectSpotify);
}
