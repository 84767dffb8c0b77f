/* The page's elements, found once, and small builders for the pieces made in script. */

const $ = (id) => document.getElementById(id);

export const els = {
  taste: $('taste'),
  tasteForm: $('taste-form'),
  tasteArtists: $('taste-artists'),
  tasteGenres: $('taste-genres'),
  stage: $('stage'),
  video: $('video'),
  photo: $('photo'),
  serverFeed: $('server-feed'),
  faces: $('faces'),
  placeholder: $('stage-placeholder'),
  cameraMessage: $('camera-message'),
  live: $('live'),
  start: $('start-camera'),
  stop: $('stop-camera'),
  alternatives: $('alternatives'),
  upload: $('upload'),
  uploadLabel: document.querySelector('label[for="upload"]'),
  serverToggle: $('server-toggle'),
  pickButtons: Array.from(document.querySelectorAll('.mood-pick')),
  strategyButtons: Array.from(document.querySelectorAll('.strategy-pick')),
  map: $('mood-map-figure'),
  mapPath: $('map-path'),
  mapSongs: $('map-songs'),
  mapMood: $('map-mood'),
  moodEmoji: $('mood-emoji'),
  moodLabel: $('mood-label'),
  moodSource: $('mood-source'),
  lock: $('lock'),
  lockText: document.querySelector('#lock .lock-text'),
  bars: Array.from(document.querySelectorAll('#mood-bars .bar')).map((bar) => ({
    emotion: bar.dataset.emotion,
    root: bar,
    meter: bar.querySelector('.bar-track'),
    fill: bar.querySelector('.bar-fill'),
    value: bar.querySelector('.bar-value'),
  })),
  status: $('status'),
  playlist: $('playlist'),
  playlistBody: document.querySelector('#playlist tbody'),
  playlistCaption: $('playlist-caption'),
  playlistEmpty: $('playlist-empty'),
  playlistCount: $('playlist-count'),
  previewAudio: $('preview-audio'),
  musicStatus: $('music-status'),
  spotify: $('spotify'),
  spotifyHeading: $('spotify-heading'),
  spotifyHint: $('spotify-hint'),
  spotifyDisconnected: $('spotify-disconnected'),
  spotifyConnected: $('spotify-connected'),
  spotifyUser: $('spotify-user'),
  spotifySave: $('spotify-save'),
  spotifyImportToggle: $('spotify-import-toggle'),
  spotifyImport: $('spotify-import'),
  spotifyPlaylists: $('spotify-playlists'),
  spotifyDisconnect: $('spotify-disconnect'),
};

export const SVG_NS = 'http://www.w3.org/2000/svg';

// An inline SVG icon from [tag, attributes] pairs, hidden from screen readers.
export function icon(shapes) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of shapes) {
    const shape = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) shape.setAttribute(name, String(value));
    svg.append(shape);
  }
  return svg;
}
