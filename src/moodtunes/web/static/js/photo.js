/* An uploaded photo: read once, on its own; a new photo or another input aborts the reading.
   With several faces the music follows the largest; a click on another face posts the same
   photo again with that face's point (`at`), so the mood is set from that face. */

import { api, errorText, isAbort, Latest } from './api.js';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_MB } from './config.js';
import { els } from './dom.js';
import { startInput, endInput, isInput } from './inputs.js';
import { boxCentre, fitStage, onFacePick, showView } from './stage.js';
import { setStatus } from './status.js';
import { store } from './store.js';
import { applyEmotionAnswer } from './sync.js';

const uploads = new Latest();
// The photo on the stage, kept so that choosing another of its faces can post it again.
let shownFile = null;

function forgetPhoto() {
  uploads.abort();
  endInput('photo');
  els.uploadLabel.removeAttribute('aria-busy');
  shownFile = null;
  const { photoUrl } = store.get();
  if (photoUrl) {
    URL.revokeObjectURL(photoUrl);
    store.set({ photoUrl: null });
    els.photo.removeAttribute('src');
  }
}

function describeFaces(count, driver) {
  if (count === 0) {
    setStatus('No face found in that photo. Try one with a clear, front-facing face.', 'info', 'upload');
  } else if (count === 1) {
    setStatus('Found a face in your photo.', 'info', 'upload');
  } else {
    const follows = driver === 0 ? 'the largest, face 1' : `face ${driver + 1}`;
    setStatus(`${count} faces: the music follows ${follows}. Click another face to choose.`, 'info', 'upload');
  }
}

// Posts the photo; `at` ([x, y] in the photo's pixels) chooses the face the mood is set from.
async function readPhoto(file, at, working) {
  const signal = uploads.next();
  setStatus(working, 'info', 'upload');
  els.uploadLabel.setAttribute('aria-busy', 'true');
  const form = new FormData();
  form.append('image', file, file.name || 'photo.jpg');
  if (at) form.append('at', at.map((v) => v.toFixed(1)).join(','));
  try {
    const answer = await api('/api/emotion', { method: 'POST', body: form, signal });
    const { faces, driver } = applyEmotionAnswer(answer, {
      width: els.photo.naturalWidth,
      height: els.photo.naturalHeight,
      mirrored: false,
    });
    describeFaces(faces.length, driver);
  } catch (err) {
    if (!isAbort(err)) setStatus(errorText(err), 'error', 'upload');
  } finally {
    if (!signal.aborted) els.uploadLabel.removeAttribute('aria-busy');
  }
}

async function uploadPhoto(file) {
  if (file.type && !file.type.startsWith('image/')) {
    setStatus('That file is not an image. Please choose a photo.', 'error', 'upload');
    return;
  }
  if (MAX_UPLOAD_BYTES && file.size > MAX_UPLOAD_BYTES) {
    const size = (file.size / (1024 * 1024)).toFixed(1);
    setStatus(`That photo is ${size} MB; photos can be up to ${MAX_UPLOAD_MB} MB.`, 'error', 'upload');
    return;
  }

  startInput('photo', forgetPhoto);
  const signal = uploads.next();
  const photoUrl = URL.createObjectURL(file);
  store.set({ photoUrl });
  shownFile = file;
  els.photo.src = photoUrl;
  // A format the browser cannot show may still be readable by the server: carry on.
  await els.photo.decode().catch(() => {});
  if (signal.aborted) return;
  fitStage(els.photo.naturalWidth, els.photo.naturalHeight);
  showView('photo');
  await readPhoto(file, null, 'Reading your photo…');
}

// A click on the photo: the mood from that face (its index), or from the largest (null).
function pickFace(index) {
  const { detection } = store.get();
  if (!shownFile || !isInput('photo') || !detection || detection.faces.length < 2) return;
  const chosen = index === null ? 0 : index;
  if (chosen === detection.driver) return;
  const at = index === null ? null : boxCentre(detection.faces[index].box);
  readPhoto(shownFile, at, `Reading face ${chosen + 1} of your photo…`);
}

export function bindPhoto() {
  onFacePick('photo', pickFace);
  els.upload.addEventListener('change', () => {
    const file = els.upload.files && els.upload.files[0];
    els.upload.value = ''; // so choosing the same photo again still fires
    if (file) uploadPhoto(file);
  });
}
