/* Following the server camera: its MJPEG stream on the stage, and its mood and playlist from
   polling /api/state (the table rebuilt only for another playlist generation or strategy).
   The camera is private: a link with ?camera_token=... lets this browser in. The server camera
   always follows the largest face it sees. When it cannot be opened, the state says why
   (server_camera_error): the stage says so instead of a frozen picture, and the stream comes
   back once the server opens the camera again (it tries while this page follows it). */

import { api, errorText } from './api.js';
import { ROOT } from './config.js';
import { els } from './dom.js';
import { endInput, isInput, startInput } from './inputs.js';
import { Loop } from './loop.js';
import { fitStage, showView } from './stage.js';
import { clearStatus, setStatus } from './status.js';
import { store } from './store.js';
import { loadState, postMood } from './sync.js';

const STATE_POLL_MS = 1500;
const FOLLOWING_TEXT = 'Following the server camera: the music follows the largest face it sees.';
// What the placeholder says while the server camera is not in use.
let idleMessage = '';

const serverLoop = new Loop('server', STATE_POLL_MS, (signal) => loadState({ signal }));

// Settles once the camera token of the page's address, if any, has been handed over.
let tokenGiven = Promise.resolve();

// The token is posted once, and the server remembers it in this browser's cookie (a GET never
// writes it); it leaves the address bar and the history at once.
export function acceptCameraToken() {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('camera_token');
  if (token === null) return;
  url.searchParams.delete('camera_token');
  window.history.replaceState(window.history.state, '', url);
  tokenGiven = api('/api/camera', { method: 'POST', json: { token } })
    .catch((err) => setStatus(errorText(err), 'error', 'server-token'));
}

export async function startServerCamera() {
  if (!els.serverFeed || isInput('server')) return;
  startInput('server', stopServerCamera);
  els.serverToggle.setAttribute('aria-pressed', 'true');
  await tokenGiven;
  if (!isInput('server')) return;
  fitStage(4, 3);
  setStatus(FOLLOWING_TEXT, 'info', 'server-start');
  showFeed(store.get().serverCameraError);
  try {
    await postMood({ source: 'server' });
  } catch (err) {
    setStatus(errorText(err), 'error', 'server-start');
  }
  if (isInput('server')) serverLoop.start(STATE_POLL_MS);
}

function serverCameraText(error) {
  return `The server's camera could not be opened: ${error.replace(/[.\s]+$/, '')}. `
    + 'Use your own camera or a photo.';
}

// The stream on the stage, or, when the camera cannot be opened (`error`), why not.
function showFeed(error) {
  if (error) {
    els.serverFeed.removeAttribute('src'); // closes the MJPEG stream
    els.cameraMessage.textContent = serverCameraText(error);
    setStatus(serverCameraText(error), 'error', 'server-camera');
    showView('unavailable');
  } else {
    els.cameraMessage.textContent = idleMessage;
    clearStatus('server-camera');
    if (!els.serverFeed.getAttribute('src')) els.serverFeed.src = `${ROOT}/video_feed`;
    if (store.get().view !== 'server') showView('server');
  }
}

function stopServerCamera() {
  endInput('server');
  serverLoop.stop();
  els.serverToggle.setAttribute('aria-pressed', 'false');
  els.serverFeed.removeAttribute('src'); // closes the MJPEG stream
  els.cameraMessage.textContent = idleMessage;
  clearStatus('server');
  clearStatus('server-camera');
  clearStatus('server-start');
  if (['server', 'unavailable'].includes(store.get().view)) {
    fitStage();
    showView('idle');
  }
}

export function bindServerCamera() {
  if (!els.serverToggle) return;
  idleMessage = els.cameraMessage.textContent;
  store.watch((s) => s.serverCameraError, (error, before) => {
    if (isInput('server') && before !== undefined) showFeed(error);
  });
  els.serverToggle.addEventListener('click', () => {
    if (isInput('server')) stopServerCamera();
    else startServerCamera();
  });
  els.serverFeed.addEventListener('load', () => {
    if (store.get().view === 'server') fitStage(els.serverFeed.naturalWidth, els.serverFeed.naturalHeight);
  });
  els.serverFeed.addEventListener('error', () => {
    if (isInput('server') && els.serverFeed.getAttribute('src')) {
      setStatus('The server camera stream is not available right now.', 'error', 'server');
    }
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) serverLoop.resume(); });
}
