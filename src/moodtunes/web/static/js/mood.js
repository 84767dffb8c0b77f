/* The mood: its emotion, scores and source, picking one by hand, and the playlist's lock. */

import { errorText } from './api.js';
import { EMOJI } from './config.js';
import { els } from './dom.js';
import { stopInput } from './inputs.js';
import { setStatus } from './status.js';
import { store } from './store.js';
import { postMood } from './sync.js';
import { capitalize } from './text.js';

const SOURCE_TEXT = {
  browser: 'Read from your camera',
  upload: 'Read from your photo',
  manual: 'Picked by hand',
  server: 'Read from the server camera',
};

// What the lock holds against, said as the server does it: the cameras only.
export const LOCKED_TEXT = 'Locked: your face no longer changes these songs; '
  + 'picking a mood, a photo or a strategy still does.';
const LOCK_HINT = 'Lock the playlist against the camera: your face will no longer change these '
  + 'songs; picking a mood, a photo or a strategy still will.';
const UNLOCKED_TEXT = 'Playlist unlocked: it follows your mood again.';

function renderEmotion(emotion) {
  els.moodLabel.dataset.emotion = emotion;
  // Only a changed emotion touches the live region, so screen readers hear each change once.
  els.moodLabel.textContent = emotion ? capitalize(emotion) : 'No mood yet';
  els.moodEmoji.textContent = emotion ? (EMOJI[emotion] || '♪') : '♪';
  document.body.dataset.mood = emotion;
}

function renderBars(scores) {
  let top = '';
  let topScore = -1;
  const values = els.bars.map((bar) => {
    const raw = scores ? Number(scores[bar.emotion]) : 0;
    const value = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
    if (scores && value > topScore) {
      top = bar.emotion;
      topScore = value;
    }
    return value;
  });
  els.bars.forEach((bar, i) => {
    const value = values[i];
    const percent = Math.round(value * 100);
    bar.fill.style.width = `${(value * 100).toFixed(1)}%`;
    bar.value.textContent = `${percent}%`;
    bar.meter.setAttribute('aria-valuenow', String(percent));
    bar.meter.setAttribute('aria-valuetext', `${percent}%`);
    bar.root.dataset.value = value.toFixed(3);
    bar.root.classList.toggle('is-top', bar.emotion === top);
  });
}

function renderMood(mood) {
  renderBars(mood ? mood.scores : null);
  const locked = Boolean(mood && mood.locked);
  let source = mood
    ? (SOURCE_TEXT[mood.source] || 'Current mood')
    : 'Start the camera, upload a photo or pick a mood.';
  if (locked) source += ' · playlist locked';
  if (els.moodSource.textContent !== source) els.moodSource.textContent = source;

  els.lock.setAttribute('aria-pressed', String(locked));
  els.lockText.textContent = locked ? 'Playlist locked' : 'Lock playlist';
  els.lock.title = locked ? LOCKED_TEXT : LOCK_HINT;

  for (const button of els.pickButtons) {
    const picked = Boolean(mood && mood.source === 'manual' && mood.emotion === button.dataset.emotion);
    button.setAttribute('aria-pressed', String(picked));
  }
}

function renderLockButton() {
  const { mood, busy } = store.get();
  // While a lock request is out, the button stays disabled.
  els.lock.disabled = busy.lock || !mood;
}

export async function pickMood(emotion) {
  // A running camera would overrule the pick with its next frame.
  stopInput('camera', 'server');
  try {
    await postMood({ emotion });
    setStatus(`Mood set to ${capitalize(emotion)}.`, 'info', 'mood');
  } catch (err) {
    setStatus(errorText(err), 'error', 'mood');
  }
}

async function toggleLock() {
  const { mood } = store.get();
  const locked = !(mood && mood.locked);
  store.set({ busy: { ...store.get().busy, lock: true } });
  try {
    await postMood({ locked });
    setStatus(locked ? LOCKED_TEXT : UNLOCKED_TEXT, 'info', 'lock');
  } catch (err) {
    setStatus(errorText(err), 'error', 'lock');
  } finally {
    store.set({ busy: { ...store.get().busy, lock: false } });
  }
}

export function bindMood() {
  store.watch((s) => (s.mood && s.mood.emotion) || '', renderEmotion);
  store.watch((s) => s.mood, renderMood);
  store.watch((s) => s.mood, renderLockButton);
  store.watch((s) => s.busy, renderLockButton);
  for (const button of els.pickButtons) {
    button.addEventListener('click', () => pickMood(button.dataset.emotion));
  }
  els.lock.addEventListener('click', toggleLock);
}
