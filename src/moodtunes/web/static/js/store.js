/* The page's one state object. Modules read it with store.get(), change it with store.set(),
   and redraw from it with store.watch(select, react): `react` runs when the part `select`
   picks out is another value (===) than before, so a view redraws only what changed. */

export function createStore(initial) {
  let state = Object.freeze({ ...initial });
  const watchers = [];
  return {
    get: () => state,
    set(patch) {
      state = Object.freeze({ ...state, ...patch });
      for (const watcher of [...watchers]) {
        const value = watcher.select(state);
        if (value === watcher.value) continue;
        const previous = watcher.value;
        watcher.value = value;
        watcher.react(value, previous);
      }
    },
    watch(select, react) {
      const watcher = { select, react, value: select(state) };
      watchers.push(watcher);
      react(watcher.value, undefined);
    },
  };
}

export const store = createStore({
  // The mood as the server last gave it: {emotion, scores, source, locked}, or null.
  mood: null,
  // The playlist's description: {strategy, emotion, generation, locked, path, mood_point}.
  playlist: null,
  // The playlist's songs. Only a new array rebuilds the table, and only a playlist that really
  // changed brings one (see playlist.js applyState).
  songs: [],
  strategy: '',
  // What feeds the mood now: {name: 'camera' | 'photo' | 'server', stop}, or null.
  input: null,
  // The browser camera's MediaStream while it runs.
  stream: null,
  // The uploaded photo's object URL while it is shown.
  photoUrl: null,
  // What the stage shows, and the faces of the last answer with the image they are about:
  // `driver` is the index of the face whose mood the music follows (the server's answer).
  view: 'idle',
  detection: null, // {faces, driver, width, height, mirrored}
  // The face the browser camera follows once one was clicked: the centre of its box, in the
  // posted frame's pixels, sent with each frame as `at`; null: the largest face.
  facePoint: null,
  // Why the server camera cannot be opened (the state's server_camera_error), or null.
  serverCameraError: null,
  // The status line under the mood ({text, kind, owner}: each loop clears only its own words)
  // and the line under the playlist ({text, kind, link}).
  status: { text: '', kind: '', owner: '' },
  music: { text: '', kind: '', link: null },
  // The song whose preview plays or loads ({key, name}; key as the server's song.key).
  preview: { key: null, name: '' },
  // Songs liked on this page (their keys), so a rebuilt row stays pressed.
  liked: new Set(),
  // Requests whose buttons stay disabled until they are answered.
  busy: { lock: false, strategy: false },
  // Spotify's state for this browser ({configured, connected, user}), once known.
  spotify: null,
});
