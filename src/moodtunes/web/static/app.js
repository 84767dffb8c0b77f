/* moodtunes page: camera capture, mood display and playlist. Plain ES2020, no build step. */
(() => {
  'use strict';

  const config = JSON.parse(document.getElementById('moodtunes-config').textContent);
  const ROOT = config.root || '';
  const EMOJI = config.emoji || {};
  const AFFECT = config.affect || {};
  const STRATEGY_HINTS = config.strategyHints || {};
  const MAX_UPLOAD_BYTES = (config.maxUploadMb || 0) * 1024 * 1024;

  const FRAME_INTERVAL_MS = 333; // about three frames a second
  const MAX_FRAME_WIDTH = 640;
  const JPEG_QUALITY = 0.85;
  const STATE_POLL_MS = 1500;
  const PLAYLIST_POLL_MS = 10000;
  const FIRST_RETRY_MS = 500;
  const MAX_RETRY_MS = 5000;
  const REQUEST_TIMEOUT_MS = 10000;
  const SPOTIFY_TIMEOUT_MS = 90000; // reading a long playlist, or searching every song, takes a while

  const SOURCE_TEXT = {
    browser: 'Read from your camera',
    upload: 'Read from your photo',
    manual: 'Picked by hand',
    server: 'Read from the server camera',
  };

  const $ = (id) => document.getElementById(id);
  const els = {
    taste: document.getElementById('taste'),
    tasteForm: document.getElementById('taste-form'),
    tasteArtists: document.getElementById('taste-artists'),
    tasteGenres: document.getElementById('taste-genres'),
    stage: $('stage'),
    video: $('video'),
    photo: $('photo'),
    serverFeed: $('server-feed'),
    overlay: $('overlay'),
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

  const capitalize = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : '');
  const sentence = (text) => (/[.!?…]$/.test(text) ? text : `${text}.`);
  const seconds = (ms) => `${Math.max(1, Math.round(ms / 1000))} s`;

  /* ---------- status line ---------- */

  // Several loops write to one line; each remembers what it wrote so it clears only its own words.
  let statusOwner = '';

  function setStatus(text, kind = 'info', owner = '') {
    if (els.status.textContent !== text) els.status.textContent = text;
    els.status.dataset.kind = text ? kind : '';
    statusOwner = owner;
  }

  function clearStatus(owner) {
    if (statusOwner === owner) setStatus('');
  }

  /* ---------- talking to the server ---------- */

  class ApiError extends Error {
    constructor(message, status, code) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, { method = 'GET', body, json, headers = {}, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers['Content-Type'] = 'application/json';
    } else if (body !== undefined) {
      init.body = body;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    init.signal = controller.signal;

    let response;
    let data = null;
    try {
      response = await fetch(ROOT + path, init);
      data = await response.json().catch(() => null);
    } catch (err) {
      if (controller.signal.aborted && navigator.onLine !== false) {
        throw new ApiError('The server took too long to answer.', 0, 'timeout');
      }
      const message = navigator.onLine === false
        ? 'You seem to be offline.'
        : "Can't reach the server.";
      throw new ApiError(message, 0, 'network');
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' && data.message
        ? capitalize(data.message)
        : `The server answered with an error (${response.status}).`;
      throw new ApiError(message, response.status, (data && data.error) || 'http');
    }
    return data;
  }

  function errorText(err) {
    return sentence((err && err.message) || 'Something went wrong');
  }

  /* ---------- loops: one request in flight, back off on failure, rest while hidden ---------- */

  class Loop {
    constructor(name, intervalMs, task) {
      this.name = name;
      this.intervalMs = intervalMs;
      this.task = task;
      this.running = false;
      this.paused = false;
      this.busy = false;
      this.generation = 0;
      this.timer = null;
      this.retryMs = 0;
    }

    start(delayMs = 0) {
      this.stop();
      this.running = true;
      this.schedule(delayMs);
    }

    stop() {
      this.running = false;
      this.paused = false;
      this.generation += 1; // answers still on their way belong to an older generation
      clearTimeout(this.timer);
      this.timer = null;
    }

    resume() {
      if (this.running && this.paused) {
        this.paused = false;
        this.schedule(0);
      }
    }

    schedule(delayMs) {
      clearTimeout(this.timer);
      const generation = this.generation;
      this.timer = setTimeout(() => this.tick(generation), delayMs);
    }

    async tick(generation) {
      if (!this.running || generation !== this.generation) return;
      if (document.hidden) {
        this.paused = true;
        return;
      }
      if (this.busy) {
        // A request from before a stop/start is still out; wait for it rather than pile up.
        this.schedule(50);
        return;
      }
      const isCurrent = () => this.running && generation === this.generation;
      const started = performance.now();
      let delayMs;
      this.busy = true;
      try {
        await this.task(isCurrent);
        if (isCurrent()) clearStatus(this.name);
        this.retryMs = 0;
        delayMs = Math.max(0, this.intervalMs - (performance.now() - started));
      } catch (err) {
        this.retryMs = this.retryMs ? Math.min(MAX_RETRY_MS, this.retryMs * 2) : FIRST_RETRY_MS;
        delayMs = this.retryMs;
        if (isCurrent()) {
          setStatus(`${errorText(err)} Trying again in ${seconds(delayMs)}.`, 'error', this.name);
        }
      } finally {
        this.busy = false;
      }
      if (isCurrent()) this.schedule(delayMs);
    }
  }

  /* ---------- mood ---------- */

  let currentMood = null;
  let lockBusy = false; // while a lock request is out, the button stays disabled

  function renderMood(mood) {
    currentMood = mood || null;
    const emotion = (mood && mood.emotion) || '';

    if (els.moodLabel.dataset.emotion !== emotion) {
      els.moodLabel.dataset.emotion = emotion;
      // Only a changed emotion touches the live region, so screen readers hear each change once.
      els.moodLabel.textContent = emotion ? capitalize(emotion) : 'No mood yet';
      els.moodEmoji.textContent = emotion ? (EMOJI[emotion] || '♪') : '♪';
      document.body.dataset.mood = emotion;
    }

    renderBars(mood ? mood.scores : null);
    renderMoodDot(mood ? mood.scores : null);

    const locked = Boolean(mood && mood.locked);
    let source = mood
      ? (SOURCE_TEXT[mood.source] || 'Current mood')
      : 'Start the camera, upload a photo or pick a mood.';
    if (locked) source += ' · playlist locked';
    if (els.moodSource.textContent !== source) els.moodSource.textContent = source;

    els.lock.setAttribute('aria-pressed', String(locked));
    els.lockText.textContent = locked ? 'Playlist locked' : 'Lock playlist';
    if (!lockBusy) els.lock.disabled = !mood;

    for (const button of els.pickButtons) {
      const picked = Boolean(mood && mood.source === 'manual' && mood.emotion === button.dataset.emotion);
      button.setAttribute('aria-pressed', String(picked));
    }
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

  function applyState(state) {
    if (!state || typeof state !== 'object') return;
    if ('mood' in state) renderMood(state.mood);
    if (state.playlist) renderStrategy(state.playlist.strategy);
    if (Array.isArray(state.recommendations)) renderPlaylist(state.recommendations, state.playlist);
  }

  /* ---------- strategy: where the playlist takes the mood ---------- */

  let currentStrategy = '';
  let strategyBusy = false;

  function renderStrategy(name) {
    if (typeof name !== 'string' || !name) return;
    currentStrategy = name;
    for (const button of els.strategyButtons) {
      button.setAttribute('aria-pressed', String(button.dataset.strategy === name));
    }
  }

  async function chooseStrategy(name) {
    if (strategyBusy || name === currentStrategy) return;
    strategyBusy = true;
    try {
      applyState(await api('/api/mood', { method: 'POST', json: { strategy: name } }));
      const hint = STRATEGY_HINTS[name] || 'A new playlist';
      setStatus(`${capitalize(name)}: ${hint.charAt(0).toLowerCase()}${hint.slice(1)}.`, 'info', 'strategy');
    } catch (err) {
      setStatus(errorText(err), 'error', 'strategy');
    } finally {
      strategyBusy = false;
    }
  }

  /* ---------- the map: the playlist's path through valence and arousal ---------- */

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

  function renderMoodDot(scores) {
    const point = scores ? moodPoint(scores) : null;
    els.mapMood.toggleAttribute('hidden', !point);
    if (!point) return;
    els.mapMood.setAttribute('cx', mapX(point[0]));
    els.mapMood.setAttribute('cy', mapY(point[1]));
  }

  function renderMap(playlist, tracks) {
    const path = playlist && Array.isArray(playlist.path) ? playlist.path : [];
    els.map.hidden = path.length === 0;
    els.mapPath.setAttribute('points', path
      .filter((p) => Array.isArray(p) && p.length === 2)
      .map(([v, a]) => `${mapX(v)},${mapY(a)}`)
      .join(' '));
    const dots = tracks.map((track, i) => {
      const dot = document.createElementNS(SVG_NS, 'circle');
      dot.setAttribute('class', 'map-song');
      dot.setAttribute('cx', mapX(track.valence));
      dot.setAttribute('cy', mapY(track.arousal));
      dot.setAttribute('r', '3.2');
      const label = document.createElementNS(SVG_NS, 'title');
      label.textContent = `${i + 1}. ${String(track.title ?? '')} – ${String(track.artist ?? '')}`;
      dot.append(label);
      return dot;
    });
    els.mapSongs.replaceChildren(...dots);
    if (playlist && Array.isArray(playlist.mood_point) && !currentMood) {
      els.mapMood.removeAttribute('hidden');
      els.mapMood.setAttribute('cx', mapX(playlist.mood_point[0]));
      els.mapMood.setAttribute('cy', mapY(playlist.mood_point[1]));
    }
  }

  /* ---------- feedback: likes, dislikes and plays ---------- */

  const likedKeys = new Set(); // songs liked on this page, so a redrawn row stays pressed

  function sendFeedback(title, artist, kind) {
    return api('/api/feedback', { method: 'POST', json: { title, artist, kind } });
  }

  async function rate(button, title, artist, name, kind) {
    button.disabled = true;
    try {
      await sendFeedback(title, artist, kind);
      if (kind === 'like') {
        likedKeys.add(trackKey(title, artist));
        button.setAttribute('aria-pressed', 'true');
        setMusicStatus(`Noted: you like ${name}. Songs like it will come up more often.`);
      } else {
        setMusicStatus(`${name} is off your playlists.`);
      }
      refreshPlaylistSoon();
    } catch (err) {
      setMusicStatus(errorText(err), 'error');
    } finally {
      button.disabled = false;
    }
  }

  function rateButton(title, artist, name, kind) {
    const like = kind === 'like';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `rate rate-${kind}`;
    button.dataset.kind = kind;
    button.title = like ? 'I like this song' : 'Not for me: take it off my playlists';
    button.setAttribute('aria-label', `${like ? 'I like' : 'Not for me'}: ${name}`);
    if (like) button.setAttribute('aria-pressed', String(likedKeys.has(trackKey(title, artist))));
    button.textContent = like ? '👍' : '👎';
    button.addEventListener('click', () => rate(button, title, artist, name, kind));
    return button;
  }

  /* ---------- playlist ---------- */

  let playlistKey = null;

  const SVG_NS = 'http://www.w3.org/2000/svg';

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
  };

  function icon(shapes) {
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

  function listenLink(label, href, track) {
    const link = document.createElement('a');
    link.className = 'listen';
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener';
    link.title = `Find it on ${label}`;
    link.setAttribute('aria-label', `${label}: ${track}`);
    const text = document.createElement('span');
    text.className = 'visually-hidden';
    text.textContent = label;
    link.append(icon(LISTEN_ICONS[label] || []), text);
    return link;
  }

  function trackRow(track) {
    const title = String(track.title ?? '');
    const artist = String(track.artist ?? '');
    const row = document.createElement('tr');

    const titleCell = document.createElement('td');
    titleCell.className = 'title';
    const titleText = document.createElement('span');
    titleText.className = 'title-text';
    titleText.textContent = title;
    titleCell.append(titleText);
    if (track.why) {
      const why = document.createElement('span');
      why.className = 'why';
      why.textContent = String(track.why);
      titleCell.append(why);
    }
    const albumCell = document.createElement('td');
    albumCell.className = 'album';
    albumCell.textContent = String(track.album ?? '');
    if (track.year) albumCell.title = String(track.year);
    const artistCell = document.createElement('td');
    artistCell.className = 'artist';
    artistCell.textContent = artist;

    const query = encodeURIComponent(`${title} ${artist}`.trim());
    const name = artist ? `${title} by ${artist}` : title;
    const linksCell = document.createElement('td');
    linksCell.className = 'links';
    const listen = document.createElement('div');
    listen.className = 'listen-row';
    listen.append(
      previewButton(title, artist, name),
      listenLink('Spotify', `https://open.spotify.com/search/${query}`, name),
      listenLink('YouTube Music', `https://music.youtube.com/search?q=${query}`, name),
    );
    const ratings = document.createElement('div');
    ratings.className = 'rate-row';
    ratings.append(rateButton(title, artist, name, 'like'), rateButton(title, artist, name, 'dislike'));
    linksCell.append(listen, ratings);

    row.append(titleCell, albumCell, artistCell, linksCell);
    return row;
  }

  function renderPlaylist(tracks, playlist) {
    if (!Array.isArray(tracks)) return;
    if (playlist) renderMap(playlist, tracks);
    const key = JSON.stringify(tracks);
    if (key === playlistKey) return; // same list: leave the table alone, no flicker
    playlistKey = key;

    els.playlistBody.replaceChildren(...tracks.map(trackRow));
    const empty = tracks.length === 0;
    if (els.spotifySave) els.spotifySave.disabled = empty;
    // A preview of a song that left the playlist would play on with no button to stop it.
    if (previewKey && !tracks.some((t) => trackKey(t.title, t.artist) === previewKey)) stopPreview();
    els.playlist.hidden = empty;
    els.playlistEmpty.hidden = !empty;
    els.playlistCount.textContent = empty ? '' : `${tracks.length} ${tracks.length === 1 ? 'song' : 'songs'}`;
    const emotion = (playlist && playlist.emotion) || (currentMood && currentMood.emotion);
    els.playlistCaption.textContent = emotion ? `Songs for a ${emotion} mood` : 'Recommended songs';
  }

  let playlistRequest = null;
  let playlistAgain = false;

  // One GET /api/recommendations at a time; a refresh asked for meanwhile runs once after it.
  function refreshPlaylist() {
    if (playlistRequest) {
      playlistAgain = true;
      return playlistRequest;
    }
    playlistRequest = (async () => {
      try {
        do {
          playlistAgain = false;
          const playlist = await api('/api/recommendations');
          renderStrategy(playlist && playlist.strategy);
          renderPlaylist(playlist && playlist.recommendations, playlist);
        } while (playlistAgain);
      } finally {
        playlistRequest = null;
      }
    })();
    return playlistRequest;
  }

  function refreshPlaylistSoon() {
    refreshPlaylist().catch((err) => setStatus(errorText(err), 'error', 'playlist'));
  }

  const playlistLoop = new Loop('playlist', PLAYLIST_POLL_MS, () => refreshPlaylist());

  /* ---------- the listener's stated taste: favourite artists and genres ---------- */

  function splitNames(text) {
    return text.split(',').map((name) => name.trim()).filter((name) => name);
  }

  // A field the listener has typed into since the last save keeps the typing: the saved taste
  // that loads when the form opens may arrive after the first keystrokes.
  function showTaste(field, names) {
    if (field.dataset.typed) return;
    field.value = (names || []).join(', ');
  }

  async function loadTaste() {
    try {
      const taste = await api('/api/profile');
      showTaste(els.tasteArtists, taste.favourite_artists);
      showTaste(els.tasteGenres, taste.favourite_genres);
    } catch (err) {
      // Only a convenience: the form stays empty and still works.
    }
  }

  async function saveTaste(event) {
    event.preventDefault();
    try {
      const taste = await api('/api/profile', {
        method: 'POST',
        json: {
          favourite_artists: splitNames(els.tasteArtists.value),
          favourite_genres: splitNames(els.tasteGenres.value),
        },
      });
      for (const field of [els.tasteArtists, els.tasteGenres]) delete field.dataset.typed;
      showTaste(els.tasteArtists, taste.favourite_artists);
      showTaste(els.tasteGenres, taste.favourite_genres);
      setMusicStatus('Saved your taste; the playlist now leans towards it.');
      refreshPlaylistSoon();
    } catch (err) {
      setMusicStatus(errorText(err), 'error');
    }
  }

  /* ---------- the line under the playlist: previews and Spotify ---------- */

  function setMusicStatus(text, kind = 'info', link = null) {
    const parts = [text];
    if (link) {
      const anchor = document.createElement('a');
      anchor.href = link.href;
      anchor.target = '_blank';
      anchor.rel = 'noopener';
      anchor.textContent = link.text;
      parts.push(' ', anchor);
      if (link.after) parts.push(link.after);
    }
    els.musicStatus.replaceChildren(...parts);
    els.musicStatus.dataset.kind = text ? kind : '';
  }

  /* ---------- 30-second previews from Deezer, one at a time ---------- */

  const previewCache = new Map(); // song -> {preview_url, link}; the URLs expire, so only for now
  let previewKey = null; // the song playing, or loading
  let previewName = '';
  let previewGeneration = 0;

  const trackKey = (title, artist) => JSON.stringify([
    String(title ?? '').trim().toLowerCase(), String(artist ?? '').trim().toLowerCase(),
  ]);

  const PREVIEW_ICON = [
    ['path', { class: 'icon-play', d: 'M8 5.5v13l10.5-6.5z', fill: 'currentColor' }],
    ['path', { class: 'icon-pause', d: 'M7.5 5.5h3v13h-3zM13.5 5.5h3v13h-3z', fill: 'currentColor' }],
  ];

  function previewButton(title, artist, name) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'preview';
    button.dataset.key = trackKey(title, artist);
    button.title = 'Play a 30-second preview (from Deezer)';
    button.setAttribute('aria-label', `Preview: ${name}`);
    button.setAttribute('aria-pressed', String(button.dataset.key === previewKey && !els.previewAudio.paused));
    button.append(icon(PREVIEW_ICON));
    button.addEventListener('click', () => togglePreview(button, title, artist, name));
    return button;
  }

  function renderPreviewButtons() {
    const playing = !els.previewAudio.paused;
    for (const button of els.playlistBody.querySelectorAll('button.preview')) {
      button.setAttribute('aria-pressed', String(playing && button.dataset.key === previewKey));
    }
  }

  function stopPreview() {
    previewGeneration += 1;
    previewKey = null;
    els.previewAudio.pause();
    els.previewAudio.removeAttribute('src');
    els.previewAudio.load(); // drops the download of the old clip
    for (const button of els.playlistBody.querySelectorAll('button.preview[aria-busy]')) {
      button.removeAttribute('aria-busy');
    }
    renderPreviewButtons();
  }

  function previewProblem(err, name) {
    if (err && err.code === 'no_preview') return `Deezer has no preview of ${name}.`;
    if (err instanceof ApiError) return errorText(err);
    return navigator.onLine === false
      ? "Couldn't play the preview: you seem to be offline."
      : `Couldn't play the preview of ${name}.`;
  }

  async function togglePreview(button, title, artist, name) {
    const key = button.dataset.key;
    if (key === previewKey) {
      if (!els.previewAudio.paused) {
        els.previewAudio.pause();
        return;
      }
      if (els.previewAudio.getAttribute('src')) {
        els.previewAudio.play().catch((err) => setMusicStatus(previewProblem(err, name), 'error'));
        return;
      }
    }
    stopPreview();
    const generation = previewGeneration;
    previewKey = key;
    previewName = name;
    button.setAttribute('aria-busy', 'true');
    setMusicStatus(`Fetching a preview of ${name}…`);
    try {
      let found = previewCache.get(key);
      if (!found) {
        const query = new URLSearchParams({ title, artist });
        found = await api(`/api/deezer/preview?${query}`);
        previewCache.set(key, found);
      }
      if (generation !== previewGeneration) return;
      els.previewAudio.src = found.preview_url;
      await els.previewAudio.play();
      // A play counts towards the next playlists (never the one on screen); losing one is harmless.
      sendFeedback(title, artist, 'play').catch(() => {});
      if (generation !== previewGeneration) return;
      setMusicStatus(`Playing 30 seconds of ${name}.`, 'info',
        found.link ? { href: found.link, text: 'Listen on Deezer' } : null);
    } catch (err) {
      if (generation !== previewGeneration) return;
      previewCache.delete(key); // the link may have expired: ask afresh next time
      stopPreview();
      setMusicStatus(previewProblem(err, name), 'error');
    } finally {
      button.removeAttribute('aria-busy');
    }
  }

  /* ---------- Spotify: connect, save the playlist, import playlists ---------- */

  let spotifyState = null;

  function renderSpotify() {
    const state = spotifyState;
    if (!els.spotify || !state) return;
    const configured = Boolean(state.configured);
    const connected = configured && Boolean(state.connected);
    els.spotify.hidden = false;
    els.spotify.dataset.state = !configured ? 'unconfigured' : connected ? 'connected' : 'disconnected';
    els.spotifyHeading.hidden = !configured;
    els.spotifyHint.hidden = configured;
    els.spotifyDisconnected.hidden = !configured || connected;
    els.spotifyConnected.hidden = !connected;
    els.spotifyUser.textContent = state.user ? `Connected as ${state.user}.` : 'Connected.';
    if (!connected) {
      els.spotifyImport.hidden = true;
      els.spotifyImportToggle.setAttribute('aria-expanded', 'false');
    }
  }

  async function refreshSpotify() {
    if (!els.spotify) return;
    try {
      spotifyState = await api('/api/spotify/status');
    } catch (err) {
      return; // the section stays as it was; the playlist still works without it
    }
    renderSpotify();
  }

  function spotifyFailed(err) {
    setMusicStatus(errorText(err), 'error');
    if (err && err.code === 'spotify_reconnect') refreshSpotify(); // shows "Connect Spotify" again
  }

  async function saveToSpotify() {
    const button = els.spotifySave;
    button.disabled = true;
    setMusicStatus('Saving the playlist to your Spotify…');
    try {
      const answer = await api('/api/spotify/save', { method: 'POST', json: {}, timeoutMs: SPOTIFY_TIMEOUT_MS });
      const saved = `Saved ${answer.saved} ${answer.saved === 1 ? 'song' : 'songs'} as “${answer.name}”.`;
      const missing = Array.isArray(answer.not_found) && answer.not_found.length
        ? ` Not found on Spotify: ${answer.not_found.join(', ')}.`
        : '';
      setMusicStatus(saved, 'info', { href: answer.url, text: 'Open it in Spotify', after: missing ? `.${missing}` : '' });
    } catch (err) {
      spotifyFailed(err);
    } finally {
      button.disabled = !els.playlistBody.children.length;
    }
  }

  function playlistItem(playlist) {
    const item = document.createElement('li');
    item.className = 'spotify-playlist';
    const name = document.createElement('span');
    name.className = 'spotify-playlist-name';
    name.textContent = String(playlist.name ?? '');
    const count = document.createElement('span');
    count.className = 'muted';
    if (Number.isInteger(playlist.tracks)) {
      count.textContent = `${playlist.tracks} ${playlist.tracks === 1 ? 'song' : 'songs'}`;
    }

    const select = document.createElement('select');
    select.setAttribute('aria-label', `Emotion for ${playlist.name}`);
    const none = document.createElement('option');
    none.value = '';
    none.textContent = 'Emotion…';
    select.append(none);
    for (const emotion of config.emotions || []) {
      const option = document.createElement('option');
      option.value = emotion;
      option.textContent = `${EMOJI[emotion] || ''} ${capitalize(emotion)}`.trim();
      select.append(option);
    }
    select.value = playlist.emotion || '';

    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-small';
    button.textContent = 'Import';
    button.setAttribute('aria-label', `Import ${playlist.name}`);
    button.disabled = !select.value;
    select.addEventListener('change', () => { button.disabled = !select.value; });
    button.addEventListener('click', () => importPlaylist(playlist, select.value, button));

    item.append(name, count, select, button);
    return item;
  }

  function note(text) {
    const item = document.createElement('li');
    item.className = 'muted spotify-note';
    item.textContent = text;
    return item;
  }

  async function loadPlaylists() {
    els.spotifyPlaylists.replaceChildren(note('Loading your playlists…'));
    try {
      const answer = await api('/api/spotify/playlists', { timeoutMs: SPOTIFY_TIMEOUT_MS });
      const all = Array.isArray(answer && answer.playlists) ? answer.playlists : [];
      const readable = all.filter((p) => p.readable);
      const items = readable.map(playlistItem);
      if (!readable.length) items.push(note('You have no playlists of your own on Spotify yet.'));
      const others = all.length - readable.length;
      if (others) {
        items.push(note(`${others} ${others === 1 ? 'playlist' : 'playlists'} by others left out: `
          + 'Spotify lets this app read only playlists you own or collaborate on.'));
      }
      els.spotifyPlaylists.replaceChildren(...items);
    } catch (err) {
      els.spotifyPlaylists.replaceChildren(note(errorText(err)));
      spotifyFailed(err);
    }
  }

  function toggleImport() {
    const open = els.spotifyImportToggle.getAttribute('aria-expanded') !== 'true';
    els.spotifyImportToggle.setAttribute('aria-expanded', String(open));
    els.spotifyImport.hidden = !open;
    if (open) loadPlaylists();
  }

  async function importPlaylist(playlist, emotion, button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    setMusicStatus(`Importing “${playlist.name}”…`);
    try {
      const answer = await api('/api/spotify/import', {
        method: 'POST',
        json: { playlist_id: playlist.id, emotion },
        timeoutMs: SPOTIFY_TIMEOUT_MS,
      });
      const songs = `${answer.tracks} ${answer.tracks === 1 ? 'song' : 'songs'}`;
      setMusicStatus(`Imported ${songs} from “${playlist.name}” for a ${answer.emotion} mood `
        + `(${answer.added} new to moodtunes).`);
      refreshPlaylistSoon();
    } catch (err) {
      spotifyFailed(err);
    } finally {
      button.removeAttribute('aria-busy');
      button.disabled = false;
    }
  }

  async function disconnectSpotify() {
    try {
      await api('/api/spotify/disconnect', { method: 'POST' });
      setMusicStatus('Spotify is disconnected from this browser.');
    } catch (err) {
      setMusicStatus(errorText(err), 'error');
    }
    refreshSpotify();
  }

  /* ---------- the stage: camera, photo or server stream, with face boxes on top ---------- */

  let detection = null; // {faces, width, height, mirrored}: the last answer and the image it is about
  let view = 'idle';

  function showView(name) {
    view = name;
    els.stage.dataset.view = name;
    els.video.hidden = name !== 'camera';
    els.photo.hidden = name !== 'photo';
    if (els.serverFeed) els.serverFeed.hidden = name !== 'server';
    els.placeholder.hidden = name !== 'idle';
    els.overlay.hidden = name !== 'camera' && name !== 'photo';
    detection = null;
    drawOverlay();
  }

  function fitStage(width, height) {
    // Follow the picture's shape, within reason, so the boxes sit on a picture without bars.
    if (width && height) {
      const ratio = Math.min(16 / 9, Math.max(3 / 4, width / height));
      els.stage.style.aspectRatio = String(ratio);
    } else {
      els.stage.style.aspectRatio = '';
    }
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

  function handleEmotionAnswer(answer, image) {
    const faces = Array.isArray(answer && answer.faces) ? answer.faces : [];
    detection = { faces, ...image };
    drawOverlay();
    if (answer && 'mood' in answer) {
      renderMood(answer.mood);
      if (answer.mood && (answer.mood.changed || answer.mood.playlist_changed)) refreshPlaylistSoon();
    }
    return faces;
  }

  /* ---------- browser camera ---------- */

  let stream = null;
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

  async function sendFrame(isCurrent) {
    const video = els.video;
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) return;
    const frame = await captureFrame();
    if (!isCurrent()) return;
    const answer = await api('/api/emotion', {
      method: 'POST',
      body: frame.blob,
      headers: { 'Content-Type': 'image/jpeg' },
    });
    if (!isCurrent()) return;
    const faces = handleEmotionAnswer(answer, { width: frame.width, height: frame.height, mirrored: true });
    if (faces.length === 0) setStatus('No face in view', 'info', 'face');
    else if (faces.length > 1) setStatus(`${faces.length} faces in view`, 'info', 'face');
    else clearStatus('face');
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

  async function startCamera() {
    if (stream) return;
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

    stopServerCamera();
    forgetPhoto();
    stream = media;
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

  function stopCamera(message = 'Camera stopped') {
    const wasRunning = Boolean(stream);
    cameraLoop.stop();
    if (stream) {
      for (const track of stream.getTracks()) track.stop();
      stream = null;
    }
    els.video.srcObject = null;
    els.start.disabled = false;
    els.stop.disabled = true;
    els.live.hidden = true;
    if (view === 'camera') {
      fitStage();
      showView('idle');
    }
    clearStatus('camera');
    clearStatus('face');
    if (wasRunning && message) setStatus(message, 'info', 'camera-stop');
  }

  /* ---------- uploaded photo ---------- */

  let photoUrl = null;
  let uploadGeneration = 0;

  function forgetPhoto() {
    uploadGeneration += 1;
    if (photoUrl) {
      URL.revokeObjectURL(photoUrl);
      photoUrl = null;
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
      setStatus(`That photo is ${size} MB; photos can be up to ${config.maxUploadMb} MB.`, 'error', 'upload');
      return;
    }

    stopCamera('');
    stopServerCamera();
    forgetPhoto();
    const generation = uploadGeneration;
    photoUrl = URL.createObjectURL(file);
    els.photo.src = photoUrl;
    // A format the browser cannot show may still be readable by the server: carry on.
    await els.photo.decode().catch(() => {});
    if (generation !== uploadGeneration) return;
    fitStage(els.photo.naturalWidth, els.photo.naturalHeight);
    showView('photo');
    setStatus('Reading your photo…', 'info', 'upload');
    els.uploadLabel.setAttribute('aria-busy', 'true');

    const form = new FormData();
    form.append('image', file, file.name || 'photo.jpg');
    try {
      const answer = await api('/api/emotion', { method: 'POST', body: form });
      if (generation !== uploadGeneration) return;
      const faces = handleEmotionAnswer(answer, {
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
      if (generation === uploadGeneration) setStatus(errorText(err), 'error', 'upload');
    } finally {
      els.uploadLabel.removeAttribute('aria-busy');
    }
  }

  /* ---------- server camera ---------- */

  let followingServer = false;

  const serverLoop = new Loop('server', STATE_POLL_MS, async (isCurrent) => {
    const state = await api('/api/state');
    if (isCurrent()) applyState(state);
  });

  async function startServerCamera() {
    if (!els.serverFeed || followingServer) return;
    stopCamera('');
    forgetPhoto();
    followingServer = true;
    els.serverToggle.setAttribute('aria-pressed', 'true');
    fitStage(4, 3);
    els.serverFeed.src = `${ROOT}/video_feed`;
    showView('server');
    setStatus('Following the server camera.', 'info', 'server-start');
    try {
      applyState(await api('/api/mood', { method: 'POST', json: { source: 'server' } }));
    } catch (err) {
      setStatus(errorText(err), 'error', 'server-start');
    }
    if (followingServer) serverLoop.start(STATE_POLL_MS);
  }

  function stopServerCamera() {
    if (!followingServer) return;
    followingServer = false;
    serverLoop.stop();
    els.serverToggle.setAttribute('aria-pressed', 'false');
    els.serverFeed.removeAttribute('src'); // closes the MJPEG stream
    clearStatus('server');
    if (view === 'server') {
      fitStage();
      showView('idle');
    }
  }

  /* ---------- picking a mood and locking the playlist ---------- */

  async function pickMood(emotion) {
    // A running camera would overrule the pick with its next frame.
    stopCamera('');
    stopServerCamera();
    try {
      applyState(await api('/api/mood', { method: 'POST', json: { emotion } }));
      setStatus(`Mood set to ${capitalize(emotion)}.`, 'info', 'mood');
      refreshPlaylistSoon();
    } catch (err) {
      setStatus(errorText(err), 'error', 'mood');
    }
  }

  async function toggleLock() {
    const locked = els.lock.getAttribute('aria-pressed') !== 'true';
    lockBusy = true;
    els.lock.disabled = true;
    try {
      applyState(await api('/api/mood', { method: 'POST', json: { locked } }));
      setStatus(locked
        ? 'Playlist locked: it stays as it is while your mood changes.'
        : 'Playlist unlocked: it follows your mood again.', 'info', 'lock');
      refreshPlaylistSoon();
    } catch (err) {
      setStatus(errorText(err), 'error', 'lock');
    } finally {
      lockBusy = false;
      els.lock.disabled = !currentMood;
    }
  }

  /* ---------- wiring ---------- */

  function bind() {
    els.tasteForm.addEventListener('submit', saveTaste);
    for (const field of [els.tasteArtists, els.tasteGenres]) {
      field.addEventListener('input', () => { field.dataset.typed = '1'; });
    }
    els.taste.addEventListener('toggle', () => { if (els.taste.open) loadTaste(); });
    els.start.addEventListener('click', () => { startCamera(); });
    els.stop.addEventListener('click', () => stopCamera());
    els.upload.addEventListener('change', () => {
      const file = els.upload.files && els.upload.files[0];
      els.upload.value = ''; // so choosing the same photo again still fires
      if (file) uploadPhoto(file);
    });
    for (const button of els.pickButtons) {
      button.addEventListener('click', () => pickMood(button.dataset.emotion));
    }
    els.lock.addEventListener('click', toggleLock);
    for (const button of els.strategyButtons) {
      button.addEventListener('click', () => chooseStrategy(button.dataset.strategy));
    }
    for (const name of ['play', 'pause', 'ended']) {
      els.previewAudio.addEventListener(name, renderPreviewButtons);
    }
    els.previewAudio.addEventListener('ended', () => { previewKey = null; });
    els.previewAudio.addEventListener('error', () => {
      // Only a clip still wanted is worth a word; stopPreview() also ends in an empty src.
      if (!previewKey || !els.previewAudio.getAttribute('src')) return;
      previewCache.delete(previewKey);
      const name = previewName;
      stopPreview();
      setMusicStatus(previewProblem(null, name), 'error');
    });
    if (els.spotify) {
      els.spotifySave.addEventListener('click', saveToSpotify);
      els.spotifyImportToggle.addEventListener('click', toggleImport);
      els.spotifyDisconnect.addEventListener('click', disconnectSpotify);
    }
    if (els.serverToggle) {
      els.serverToggle.addEventListener('click', () => {
        if (followingServer) stopServerCamera();
        else startServerCamera();
      });
      els.serverFeed.addEventListener('load', () => {
        if (view === 'server') fitStage(els.serverFeed.naturalWidth, els.serverFeed.naturalHeight);
      });
      els.serverFeed.addEventListener('error', () => {
        if (followingServer && els.serverFeed.getAttribute('src')) {
          setStatus('The server camera stream is not available right now.', 'error', 'server');
        }
      });
    }
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) return;
      cameraLoop.resume();
      serverLoop.resume();
      playlistLoop.resume();
    });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => drawOverlay()).observe(els.stage);
    } else {
      window.addEventListener('resize', drawOverlay);
    }
  }

  async function init() {
    bind();
    renderMood(null);
    const autostart = new URLSearchParams(window.location.search).get('autostart') === '1';
    let loaded = false;
    try {
      const state = await api('/api/state');
      applyState(state);
      if (!Array.isArray(state && state.recommendations)) renderPlaylist([]);
      loaded = true;
      const mood = state && state.mood;
      if (!autostart && mood && mood.source === 'server' && els.serverToggle) startServerCamera();
    } catch (err) {
      renderPlaylist([]);
      setStatus(errorText(err), 'error', 'playlist');
    }
    playlistLoop.start(loaded ? PLAYLIST_POLL_MS : FIRST_RETRY_MS);
    refreshSpotify();
    if (autostart) startCamera();
  }

  init();
})();
