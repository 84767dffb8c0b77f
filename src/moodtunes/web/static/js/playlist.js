/* The playlist table: one row per song with its links, preview and rating buttons. The table
   is rebuilt when, and only when, the store gets a new array of songs. */

import { els, icon } from './dom.js';
import { rateButton } from './feedback.js';
import { previewButton } from './previews.js';
import { store } from './store.js';
import { songs as songCount } from './text.js';

// Small brand-coloured marks keep the links column narrow; the name stays in the text.
const LISTEN_ICONS = {
  Spotify: [
    ['circle', { cx: 12, cy: 12, r: 11, fill: '#1ed760' }],
    ['path', { d: 'M6.5 9.2c3.8-1.2 7.8-.8 11 1M7.2 12.4c3.1-.9 6.3-.6 9 .9M7.9 15.4c2.4-.6 4.8-.4 6.9.7', fill: 'none', stroke: '#0b0b0b', 'stroke-width': 1.8, 'stroke-linecap': 'round' }],
  ],
  'YouTube Music': [
    ['circle', { cx: 12, cy: 12, r: 11, fill: '#ff0033' }],
    ['circle', { cx: 12, cy: 12, r: 5.8, fill: 'none', stroke: '#fff', 'stroke-width': 1.4 }],
    ['path', { d: 'M10.4 9.4v5.2l4.3-2.6z', fill: '#fff' }],
  ],
  Deezer: [
    ['circle', { cx: 12, cy: 12, r: 11, fill: '#a238ff' }],
    ['path', { d: 'M7 16.5v-3M10.3 16.5v-6M13.7 16.5v-8M17 16.5v-4.5', fill: 'none', stroke: '#fff', 'stroke-width': 2, 'stroke-linecap': 'round' }],
  ],
};
// A service the page has no mark for still gets a link: a plain ring with a note.
const OTHER_ICON = [
  ['circle', { cx: 12, cy: 12, r: 10.2, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 }],
  ['path', { d: 'M10 15.5V8.2l6-1.4v7.3M10 15.5a2 2 0 1 1-2-2 2 2 0 0 1 2 2zM16 14.1a2 2 0 1 1-2-2 2 2 0 0 1 2 2z', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.4 }],
];

function listenLink({ name, url }, track) {
  const link = document.createElement('a');
  link.className = 'listen';
  link.href = url;
  link.target = '_blank';
  link.rel = 'noopener';
  link.title = `Find it on ${name}`;
  link.setAttribute('aria-label', `${name}: ${track}`);
  const text = document.createElement('span');
  text.className = 'visually-hidden';
  text.textContent = name;
  link.append(icon(LISTEN_ICONS[name] || OTHER_ICON), text);
  return link;
}

// The server's links, those that are http(s) with a name: a link is never made up here.
function linksOf(song) {
  const links = Array.isArray(song.links) ? song.links : [];
  return links.filter((link) => link && typeof link.name === 'string' && link.name
    && typeof link.url === 'string' && /^https?:\/\//.test(link.url));
}

function songRow(song) {
  const title = String(song.title ?? '');
  const artist = String(song.artist ?? '');
  const row = document.createElement('tr');

  const titleCell = document.createElement('td');
  titleCell.className = 'title';
  const titleText = document.createElement('span');
  titleText.className = 'title-text';
  titleText.textContent = title;
  titleCell.append(titleText);
  if (song.why) {
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = String(song.why);
    titleCell.append(why);
  }
  const albumCell = document.createElement('td');
  albumCell.className = 'album';
  albumCell.textContent = String(song.album ?? '');
  if (song.year) albumCell.title = String(song.year);
  const artistCell = document.createElement('td');
  artistCell.className = 'artist';
  artistCell.textContent = artist;

  const name = artist ? `${title} by ${artist}` : title;
  const linksCell = document.createElement('td');
  linksCell.className = 'links';
  const listen = document.createElement('div');
  listen.className = 'listen-row';
  listen.append(previewButton(song, name), ...linksOf(song).map((link) => listenLink(link, name)));
  const ratings = document.createElement('div');
  ratings.className = 'rate-row';
  ratings.append(rateButton(song, name, 'like'), rateButton(song, name, 'dislike'));
  linksCell.append(listen, ratings);

  row.append(titleCell, albumCell, artistCell, linksCell);
  return row;
}

function renderPlaylist(songs) {
  const { playlist } = store.get();
  els.playlistBody.replaceChildren(...songs.map(songRow));
  const empty = songs.length === 0;
  if (els.spotifySave) els.spotifySave.disabled = empty;
  els.playlist.hidden = empty;
  els.playlistEmpty.hidden = !empty;
  els.playlistCount.textContent = empty ? '' : songCount(songs.length);
  const emotion = (playlist && playlist.emotion) || '';
  els.playlistCaption.textContent = emotion ? `Songs for a ${emotion} mood` : 'Recommended songs';
  // The emotion and generation the rows were made for, for styles and tests to read.
  els.playlist.dataset.emotion = emotion;
  els.playlist.dataset.generation = playlist ? String(playlist.generation ?? '') : '';
}

export function bindPlaylist() {
  store.watch((s) => s.songs, renderPlaylist);
}
