/* The stage: camera, photo or server stream, with the faces' boxes on top. Each face is an
   element placed over the picture (image pixels scaled to the displayed picture); with several
   faces each box is a button, the one the music follows is marked, and a click on another face
   hands that face to the view's picker (onFacePick), a click beside the faces hands it null. */

import { EMOJI } from './config.js';
import { els } from './dom.js';
import { store } from './store.js';
import { capitalize } from './text.js';

// What a click picks, per view: (index | null) => void. The camera and the photo register one.
const pickers = {};

export function onFacePick(view, pick) {
  pickers[view] = pick;
}

export function showView(view) {
  store.set({ view, detection: null });
}

export function fitStage(width, height) {
  // Follow the picture's shape, within reason, so the boxes sit on a picture without bars.
  if (width && height) {
    const ratio = Math.min(16 / 9, Math.max(3 / 4, width / height));
    els.stage.style.aspectRatio = String(ratio);
  } else {
    els.stage.style.aspectRatio = '';
  }
}

function renderView(view) {
  els.stage.dataset.view = view;
  els.video.hidden = view !== 'camera';
  els.photo.hidden = view !== 'photo';
  if (els.serverFeed) els.serverFeed.hidden = view !== 'server';
  // 'unavailable': the server camera cannot be opened, and the placeholder says why.
  els.placeholder.hidden = view !== 'idle' && view !== 'unavailable';
  els.faces.hidden = view !== 'camera' && view !== 'photo';
}

// The centre [x, y] of a face's box [x, y, w, h], in image pixels.
export function boxCentre(box) {
  const [x, y, w, h] = box.map(Number);
  return [x + w / 2, y + h / 2];
}

// Faces are numbered as the server lists them, largest first: face 1 is the largest.
export function faceLabel(face, index, count) {
  const score = face.scores ? Number(face.scores[face.emotion]) : NaN;
  const text = `${EMOJI[face.emotion] || ''} ${capitalize(face.emotion || '?')}`.trim()
    + (Number.isFinite(score) ? ` ${Math.round(score * 100)}%` : '');
  return count > 1 ? `${index + 1} · ${text}` : text;
}

function faceName(face, index, drives) {
  const score = face.scores ? Number(face.scores[face.emotion]) : NaN;
  const read = `${face.emotion || 'unknown'}${Number.isFinite(score) ? `, ${Math.round(score * 100)}%` : ''}`;
  return `Face ${index + 1}: ${read}. `
    + (drives ? 'The music follows this face.' : 'Choose this face for the music.');
}

// One element per face, kept from one answer to the next so a focused box keeps its focus.
function faceElement(index, clickable) {
  let box = els.faces.children[index];
  const tag = clickable ? 'BUTTON' : 'DIV';
  if (box && box.tagName === tag) return box;
  const made = document.createElement(tag);
  made.className = 'face-box';
  if (clickable) {
    made.type = 'button';
    made.addEventListener('click', (event) => {
      event.stopPropagation();
      pickFace(Number(made.dataset.index));
    });
  }
  const label = document.createElement('span');
  label.className = 'face-label';
  label.setAttribute('aria-hidden', 'true');
  made.append(label);
  if (box) box.replaceWith(made);
  else els.faces.append(made);
  box = made;
  return box;
}

function renderFaces() {
  const { detection } = store.get();
  const layer = els.faces;
  const faces = (detection && detection.faces) || [];
  const width = layer.clientWidth;
  const height = layer.clientHeight;
  if (!faces.length || !detection.width || !detection.height || !width) {
    layer.replaceChildren();
    return;
  }
  // The media is drawn with object-fit: contain, so find where the picture really is.
  const scale = Math.min(width / detection.width, height / detection.height);
  const offsetX = (width - detection.width * scale) / 2;
  const offsetY = (height - detection.height * scale) / 2;
  const several = faces.length > 1;
  const driver = Number.isInteger(detection.driver) ? detection.driver : null;
  faces.forEach((face, i) => {
    const box = faceElement(i, several);
    const valid = Array.isArray(face.box) && face.box.length === 4;
    const [bx, by, bw, bh] = valid ? face.box.map(Number) : [0, 0, 0, 0];
    // The video is mirrored on screen; the posted frame is not, so flip x back.
    const left = detection.mirrored ? detection.width - (bx + bw) : bx;
    const top = offsetY + by * scale;
    box.hidden = !valid;
    box.dataset.index = String(i);
    box.dataset.emotion = face.emotion || '';
    box.style.left = `${offsetX + left * scale}px`;
    box.style.top = `${top}px`;
    box.style.width = `${bw * scale}px`;
    box.style.height = `${bh * scale}px`;
    const drives = several && i === driver;
    box.classList.toggle('is-driver', drives);
    // No room above the box: the label goes inside it.
    box.classList.toggle('label-inside', top < 30);
    box.firstChild.textContent = faceLabel(face, i, faces.length) + (drives ? ' ♪' : '');
    if (several) {
      box.setAttribute('aria-pressed', String(drives));
      box.setAttribute('aria-label', faceName(face, i, drives));
    }
  });
  while (layer.children.length > faces.length) layer.lastChild.remove();
}

// A face (its index) or none (null, a click beside the faces) picked on the stage.
function pickFace(index) {
  const pick = pickers[store.get().view];
  if (pick) pick(index);
}

export function bindStage() {
  store.watch((s) => s.view, renderView);
  store.watch((s) => s.detection, renderFaces);
  els.faces.addEventListener('click', (event) => {
    if (event.target === els.faces) pickFace(null);
  });
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(renderFaces).observe(els.stage);
  } else {
    window.addEventListener('resize', renderFaces);
  }
}
