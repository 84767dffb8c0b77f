/* Following the server camera: its MJPEG stream on the stage, and its mood and playlist from
   polling /api/state (the table rebuilt only for another playlist generation or strategy).
   The camera is private: a link with ?camera_token=... lets this browser in. */

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
  els.serverFeed.src = `${ROOT}/video_feed`;
  showView('server');
  setStatus('Following the server camera.', 'info', 'server-start');
  try {
    await postMood({ source: 'server' });
  } catch (err) {
    setStatus(errorText(err), 'error', 'server-start');
  }
  if (isInput('server')) serverLoop.start(STATE_POLL_MS);
}

function stopServerCamera() {
  endInput('server');
  serverLoop.stop();
  els.serverToggle.setAttribute('aria-pressed', 'false');
  els.serverFeed.removeAttribute('src'); // closes the MJPEG stream
  clearStatus('server');
  if (store.get().view === 'server') {
    fitStage();
    showView('idle');
  }
}

export function bindServerCamera() {
  if (!els.serverToggle) return;
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
