/* The map: the playlist's path through valence and arousal, its songs, and the mood's point. */

import { AFFECT } from './config.js';
import { els, SVG_NS } from './dom.js';
import { store } from './store.js';

// The map's frame in SVG units: valence -1..1 left to right, arousal -1..1 bottom to top.
const MAP_CENTRE_X = 105;
const MAP_CENTRE_Y = 95;
const MAP_HALF = 85;

const clampUnit = (value) => Math.min(1, Math.max(-1, Number(value) || 0));
const mapX = (valence) => (MAP_CENTRE_X + clampUnit(valence) * MAP_HALF).toFixed(1);
const mapY = (arousal) => (MAP_CENTRE_Y - clampUnit(arousal) * MAP_HALF).toFixed(1);

// The mood's point, as the server's mood_point: the scores' weighted mean of the emotions' points.
function moodPoint(scores) {
  let total = 0;
  let valence = 0;
  let arousal = 0;
  for (const [emotion, point] of Object.entries(AFFECT)) {
    const p = Number(scores[emotion]);
    if (!Number.isFinite(p) || p <= 0 || !Array.isArray(point)) continue;
    total += p;
    valence += p * point[0];
    arousal += p * point[1];
  }
  return total > 0 ? [valence / total, arousal / total] : null;
}

// The ring: the mood now, or before any mood the point the playlist was made for.
function renderMoodDot() {
  const { mood, playlist } = store.get();
  let point = mood && mood.scores ? moodPoint(mood.scores) : null;
  if (!mood && playlist && Array.isArray(playlist.mood_point)) point = playlist.mood_point;
  els.mapMood.toggleAttribute('hidden', !point);
  if (!point) return;
  els.mapMood.setAttribute('cx', mapX(point[0]));
  els.mapMood.setAttribute('cy', mapY(point[1]));
}

function renderMap(songs) {
  const { playlist } = store.get();
  const path = playlist && Array.isArray(playlist.path) ? playlist.path : [];
  els.map.hidden = path.length === 0;
  els.mapPath.setAttribute('points', path
    .filter((p) => Array.isArray(p) && p.length === 2)
    .map(([v, a]) => `${mapX(v)},${mapY(a)}`)
    .join(' '));
  const dots = songs.map((song, i) => {
    const dot = document.createElementNS(SVG_NS, 'circle');
    dot.setAttribute('class', 'map-song');
    dot.setAttribute('cx', mapX(song.valence));
    dot.setAttribute('cy', mapY(song.arousal));
    dot.setAttribute('r', '3.2');
    const label = document.createElementNS(SVG_NS, 'title');
    label.textContent = `${i + 1}. ${String(song.title ?? '')} – ${String(song.artist ?? '')}`;
    dot.append(label);
    return dot;
  });
  els.mapSongs.replaceChildren(...dots);
}

export function bindMap() {
  store.watch((s) => s.songs, renderMap);
  store.watch((s) => s.mood, renderMoodDot);
  store.watch((s) => s.playlist, renderMoodDot);
}
