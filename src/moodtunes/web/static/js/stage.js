/* The stage: camera, photo or server stream, with the faces' boxes drawn on top. */

import { EMOJI } from './config.js';
import { els } from './dom.js';
import { store } from './store.js';
import { capitalize } from './text.js';

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
  els.placeholder.hidden = view !== 'idle';
  els.overlay.hidden = view !== 'camera' && view !== 'photo';
}

function emotionColor(emotion) {
  const color = getComputedStyle(els.stage).getPropertyValue(`--${emotion}`).trim();
  return color || '#5b5bd6';
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  if (ctx.roundRect) ctx.roundRect(x, y, w, h, r);
  else ctx.rect(x, y, w, h);
}

function drawOverlay() {
  const { detection } = store.get();
  const canvas = els.overlay;
  const ctx = canvas.getContext('2d');
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth;
  const cssHeight = canvas.clientHeight;
  const width = Math.round(cssWidth * ratio);
  const height = Math.round(cssHeight * ratio);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!detection || !detection.faces.length || !detection.width || !cssWidth) return;

  // The media is drawn with object-fit: contain, so find where the picture really is.
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const scale = Math.min(cssWidth / detection.width, cssHeight / detection.height);
  const offsetX = (cssWidth - detection.width * scale) / 2;
  const offsetY = (cssHeight - detection.height * scale) / 2;
  ctx.font = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  ctx.textBaseline = 'middle';

  for (const face of detection.faces) {
    if (!Array.isArray(face.box) || face.box.length !== 4) continue;
    const [bx, by, bw, bh] = face.box.map(Number);
    // The video is mirrored on screen; the posted frame is not, so flip x back.
    const left = detection.mirrored ? detection.width - (bx + bw) : bx;
    const x = offsetX + left * scale;
    const y = offsetY + by * scale;
    const w = bw * scale;
    const h = bh * scale;
    const color = emotionColor(face.emotion);

    ctx.lineWidth = 3;
    ctx.strokeStyle = color;
    roundRect(ctx, x, y, w, h, 8);
    ctx.stroke();

    const score = face.scores ? Number(face.scores[face.emotion]) : NaN;
    const label = `${EMOJI[face.emotion] || ''} ${capitalize(face.emotion || '?')}`
      + (Number.isFinite(score) ? ` ${Math.round(score * 100)}%` : '');
    const textWidth = ctx.measureText(label.trim()).width;
    const pillW = textWidth + 16;
    const pillH = 24;
    const pillX = Math.min(Math.max(0, x - 1.5), cssWidth - pillW);
    const pillY = y - pillH - 4 >= 0 ? y - pillH - 4 : y + 4;
    ctx.fillStyle = color;
    roundRect(ctx, pillX, pillY, pillW, pillH, 12);
    ctx.fill();
    ctx.fillStyle = '#fff';
    ctx.fillText(label.trim(), pillX + 8, pillY + pillH / 2 + 1);
  }
}

export function bindStage() {
  store.watch((s) => s.view, renderView);
  store.watch((s) => s.detection, drawOverlay);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(drawOverlay).observe(els.stage);
  } else {
    window.addEventListener('resize', drawOverlay);
  }
}
