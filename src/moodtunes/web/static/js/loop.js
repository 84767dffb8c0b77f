/* A repeating request: one in flight at a time, backing off on failure, resting while the page
   is hidden. stop() aborts the request in flight, so no answer lands after it. */

import { errorText, isAbort } from './api.js';
import { clearStatus, setStatus } from './status.js';
import { seconds } from './text.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

export class Loop {
  #run = null; // the AbortController of this start(); aborted by stop()
  #inFlight = null; // the signal of the task running now, if any
  #timer = null;
  #paused = false;
  #retryMs = 0;

  // `task(signal)` does one round; `name` owns the status line's error messages.
  constructor(name, intervalMs, task) {
    this.name = name;
    this.intervalMs = intervalMs;
    this.task = task;
  }

  get running() {
    return this.#run !== null;
  }

  start(delayMs = 0) {
    this.stop();
    this.#run = new AbortController();
    this.#schedule(delayMs);
  }

  // Stops the loop; true when this aborted a request that was on its way.
  stop() {
    const interrupted = this.#inFlight !== null;
    if (this.#run) this.#run.abort();
    this.#run = null;
    this.#inFlight = null;
    this.#paused = false;
    this.#retryMs = 0;
    clearTimeout(this.#timer);
    return interrupted;
  }

  resume() {
    if (this.#run && this.#paused) {
      this.#paused = false;
      this.#schedule(0);
    }
  }

  #schedule(delayMs) {
    clearTimeout(this.#timer);
    const { signal } = this.#run;
    this.#timer = setTimeout(() => this.#tick(signal), delayMs);
  }

  async #tick(signal) {
    if (signal.aborted) return;
    if (document.hidden) {
      this.#paused = true;
      return;
    }
    const started = performance.now();
    let delayMs;
    this.#inFlight = signal;
    try {
      await this.task(signal);
      if (signal.aborted) return;
      clearStatus(this.name);
      this.#retryMs = 0;
      delayMs = Math.max(0, this.intervalMs - (performance.now() - started));
    } catch (err) {
      if (signal.aborted) return;
      if (isAbort(err)) {
        delayMs = this.intervalMs; // the task dropped a superseded request of its own
      } else {
        this.#retryMs = this.#retryMs ? Math.min(MAX_RETRY_MS, this.#retryMs * 2) : FIRST_RETRY_MS;
        delayMs = this.#retryMs;
        setStatus(`${errorText(err)} Trying again in ${seconds(delayMs)}.`, 'error', this.name);
      }
    } finally {
      if (this.#inFlight === signal) this.#inFlight = null;
    }
    this.#schedule(delayMs);
  }
}
