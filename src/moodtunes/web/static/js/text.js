/* Small text helpers shared by the page's modules. */

export const capitalize = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : '');
export const sentence = (text) => (/[.!?…]$/.test(text) ? text : `${text}.`);
export const seconds = (ms) => `${Math.max(1, Math.round(ms / 1000))} s`;
export const songs = (n) => `${n} ${n === 1 ? 'song' : 'songs'}`;
