/* An uploaded photo: read once, on its own; a new photo or another input aborts the reading. */

import { api, errorText, isAbort, Latest } from './api.js';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_MB } from './config.js';
import { els } from './dom.js';
import { startInput, endInput } from './inputs.js';
import { fitStage, showView } from './stage.js';
import { setStatus } from './status.js';
import { store } from './store.js';
import { applyEmotionAnswer } from './sync.js';

const uploads = new Latest();

function forgetPhoto() {
  uploads.abort();
  endInput('photo');
  const { photoUrl } = store.get();
  if (photoUrl) {
    URL.revokeObjectURL(photoUrl);
    store.set({ photoUrl: null });
    els.photo.removeAttribute('src');
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
  els.photo.src = photoUrl;
  // A format the browser cannot show may still be readable by the server: carry on.
  await els.photo.decode().catch(() => {});
  if (signal.aborted) return;
  fitStage(els.photo.naturalWidth, els.photo.naturalHeight);
  showView('photo');
  setStatus('Reading your photo…', 'info', 'upload');
  els.uploadLabel.setAttribute('aria-busy', 'true');

  const form = new FormData();
  form.append('image', file, file.name || 'photo.jpg');
  try {
    const answer = await api('/api/emotion', { method: 'POST', body: form, signal });
    const faces = applyEmotionAnswer(answer, {
      width: els.photo.naturalWidth,
      height: els.photo.naturalHeight,
      mirrored: false,
    });
    if (faces.length === 0) {
      setStatus('No face found in that photo. Try one with a clear, front-facing face.', 'info', 'upload');
    } else {
      setStatus(faces.length === 1 ? 'Found a face in your photo.' : `Found ${faces.length} faces in your photo.`, 'info', 'upload');
    }
  } catch (err) {
    if (!isAbort(err)) setStatus(errorText(err), 'error', 'upload');
  } finally {
    els.uploadLabel.removeAttribute('aria-busy');
  }
}

export function bindPhoto() {
  els.upload.addEventListener('change', () => {
    const file = els.upload.files && els.upload.files[0];
    els.upload.value = ''; // so choosing the same photo again still fires
    if (file) uploadPhoto(file);
  });
}
