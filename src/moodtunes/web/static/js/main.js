/* moodtunes page: camera capture, mood display and playlist, as native ES modules (no build
   step). Each module binds its part of the page to the one store (store.js); this one starts
   them and loads the first state. */

import { errorText, isAbort } from './api.js';
import { bindCamera, startCamera } from './camera.js';
import { els } from './dom.js';
import { bindMap } from './map.js';
import { bindMood } from './mood.js';
import { bindPhoto } from './photo.js';
import { bindPlaylist } from './playlist.js';
import { bindPreviews } from './previews.js';
import { acceptCameraToken, bindServerCamera, startServerCamera } from './server-camera.js';
import { bindSpotify, refreshSpotify } from './spotify.js';
import { bindStage } from './stage.js';
import { bindStatus, clearStatus, setStatus } from './status.js';
import { bindStrategy } from './strategy.js';
import { bindTaste } from './taste.js';
import { reloadState } from './sync.js';
import { seconds } from './text.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// The first state, tried until the server answers; a choice made meanwhile supersedes it.
async function loadFirstState() {
  for (let retryMs = FIRST_RETRY_MS; ; retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)) {
    try {
      const state = await reloadState(true);
      clearStatus('playlist');
      return state;
    } catch (err) {
      if (isAbort(err)) return null;
      setStatus(`${errorText(err)} Trying again in ${seconds(retryMs)}.`, 'error', 'playlist');
    }
    await sleep(retryMs);
  }
}

async function init() {
  bindStatus();
  bindStage();
  bindMood();
  bindMap();
  bindPlaylist();
  bindPreviews();
  bindStrategy();
  bindTaste();
  bindSpotify();
  bindCamera();
  bindPhoto();
  bindServerCamera();

  acceptCameraToken();
  refreshSpotify();
  const state = await loadFirstState();
  if (new URLSearchParams(window.location.search).get('autostart') === '1') {
    startCamera();
  } else if (state && state.mood && state.mood.source === 'server' && els.serverToggle) {
    startServerCamera();
  }
}

init();
