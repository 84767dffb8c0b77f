/* The browser camera: about three frames a second to the server, one in flight at a time.
   With several faces in view the music follows the largest, until a click on another face:
   then each frame carries that face's point (`at`), moved each answer to the centre of the box
   that drove the mood, so it tracks the face as it moves. A click beside the faces, or the face
   leaving, gives the music back to the largest. */

import { api, errorText, isAbort } from './api.js';
import { els } from './dom.js';
import { endInput, startInput } from './inputs.js';
import { Loop } from './loop.js';
import { boxCentre, fitStage, onFacePick, showView } from './stage.js';
import { clearStatus, setStatus } from './status.js';
import { store } from './store.js';
import { applyEmotionAnswer, reloadState } from './sync.js';

const FRAME_INTERVAL_MS = 333; // about three frames a second
const MAX_FRAME_WIDTH = 640;
const JPEG_QUALITY = 0.85;

const frameCanvas = document.createElement('canvas');

function captureFrame() {
  const video = els.video;
  const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  if (frameCanvas.width !== width || frameCanvas.height !== height) {
    frameCanvas.width = width;
    frameCanvas.height = height;
  }
  frameCanvas.getContext('2d').drawImage(video, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    frameCanvas.toBlob((blob) => {
      if (blob) resolve({ blob, width, height });
      else reject(new Error("Couldn't take a picture from the camera."));
    }, 'image/jpeg', JPEG_QUALITY);
  });
}

async function sendFrame(signal) {
  const video = els.video;
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) return;
  const frame = await captureFrame();
  if (signal.aborted) return;
  const point = store.get().facePoint;
  const at = point ? `?at=${point.map((v) => v.toFixed(1)).join(',')}` : '';
  const answer = await api(`/api/emotion${at}`, {
    method: 'POST',
    body: frame.blob,
    headers: { 'Content-Type': 'image/jpeg' },
    signal,
  });
  const { faces, driver } = applyEmotionAnswer(answer, { width: frame.width, height: frame.height, mirrored: true });
  // A click during the request chose again: keep that choice.
  if (point && store.get().facePoint === point) {
    store.set({ facePoint: trackedPoint(point, driver === null ? null : faces[driver]) });
  }
  describeFaces(faces.length, driver);
}

// The chosen face's point for the next frame: the centre of the box that drove the mood, while
// that box is still where the face was (within half its size: faces move between frames);
// null when the face left and the server fell back on another one.
function trackedPoint(point, face) {
  if (!face || !Array.isArray(face.box)) return null;
  const [x, y, w, h] = face.box.map(Number);
  const [px, py] = point;
  const near = px >= x - w / 2 && px <= x + 1.5 * w && py >= y - h / 2 && py <= y + 1.5 * h;
  return near ? boxCentre(face.box) : null;
}

function describeFaces(count, driver) {
  if (count === 0) setStatus('No face in view', 'info', 'face');
  else if (count === 1) clearStatus('face');
  else if (store.get().facePoint) {
    setStatus(`${count} faces in view: the music follows face ${driver + 1}, the one you chose. `
      + 'Click beside the faces to follow the largest again.', 'info', 'face');
  } else {
    setStatus(`${count} faces in view: the music follows the largest, face 1. `
      + 'Click another face to choose.', 'info', 'face');
  }
}

// A click on the stage: follow that face (its index in the last answer), or the largest (null).
function pickFace(index) {
  const { detection } = store.get();
  if (!detection || detection.faces.length < 2) return;
  const face = index === null ? null : detection.faces[index];
  store.set({
    facePoint: face ? boxCentre(face.box) : null,
    detection: { ...detection, driver: face ? index : 0 },
  });
  describeFaces(detection.faces.length, face ? index : 0);
}

const cameraLoop = new Loop('camera', FRAME_INTERVAL_MS, sendFrame);

function cameraErrorMessage(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was blocked. Allow it in your browser’s site settings, or upload a photo or pick a mood below.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. You can upload a photo or pick a mood below instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another app. Close it and try again, or upload a photo or pick a mood below.';
    default:
      return `The camera could not start${err && err.message ? ` (${err.message})` : ''}. You can upload a photo or pick a mood below.`;
  }
}

function showCameraProblem(message) {
  setStatus(message, 'error', 'camera-start');
  els.cameraMessage.textContent = message;
  els.alternatives.classList.add('is-highlighted');
}

export async function startCamera() {
  if (store.get().stream) return;
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    showCameraProblem(window.isSecureContext === false
      ? 'This browser only allows the camera on secure (https) pages. You can upload a photo or pick a mood below.'
      : 'This browser cannot use a camera. You can upload a photo or pick a mood below.');
    return;
  }
  els.start.disabled = true;
  setStatus('Asking for the camera…', 'info', 'camera-start');
  let media;
  try {
    media = await navigator.mediaDevices.getUserMedia({ video: true });
  } catch (err) {
    els.start.disabled = false;
    showCameraProblem(cameraErrorMessage(err));
    return;
  }

  startInput('camera', () => stopCamera(''));
  store.set({ stream: media });
  els.video.srcObject = media;
  els.alternatives.classList.remove('is-highlighted');
  els.cameraMessage.textContent = 'Your camera stays off until you start it.';
  showView('camera');
  els.stop.disabled = false;
  els.live.hidden = false;
  setStatus('Looking for your face…', 'info', 'face');
  for (const track of media.getVideoTracks()) {
    track.addEventListener('ended', () => stopCamera('The camera was disconnected.'));
  }
  els.video.addEventListener('loadedmetadata', () => {
    fitStage(els.video.videoWidth, els.video.videoHeight);
  }, { once: true });
  els.video.play().catch(() => { /* autoplay is allowed for muted video; play() only races srcObject */ });
  cameraLoop.start(0);
}

// Stops the camera. With a `message` the listener stopped it (no other input takes over):
// a frame aborted on its way may have moved the playlist, so the state is read once more.
export function stopCamera(message = 'Camera stopped') {
  const { stream } = store.get();
  const interrupted = cameraLoop.stop();
  endInput('camera');
  if (stream) {
    for (const track of stream.getTracks()) track.stop();
    store.set({ stream: null });
  }
  els.video.srcObject = null;
  store.set({ facePoint: null });
  els.start.disabled = false;
  els.stop.disabled = true;
  els.live.hidden = true;
  if (store.get().view === 'camera') {
    fitStage();
    showView('idle');
  }
  clearStatus('camera');
  clearStatus('face');
  if (stream && message) setStatus(message, 'info', 'camera-stop');
  if (interrupted && message) {
    reloadState(false).catch((err) => { if (!isAbort(err)) setStatus(errorText(err), 'error', 'camera-stop'); });
  }
}

export function bindCamera() {
  onFacePick('camera', pickFace);
  els.start.addEventListener('click', () => { startCamera(); });
  els.stop.addEventListener('click', () => stopCamera());
  document.addEventListener('visibilitychange', () => { if (!document.hidden) cameraLoop.resume(); });
}
