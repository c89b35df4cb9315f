// What every example page shares: its query parameters, a status line, and the state object the
// end-to-end tests (test/examples/pages.*.test.ts) read as `window.unetKitExample`.

/** The state an example exposes; `status` moves idle -> running -> done (or error). */
export interface ExampleState {
  status: 'idle' | 'loading' | 'running' | 'done' | 'error';
  /** The tfjs backend in use once one is set. */
  backend?: string;
  /** The message of the error that stopped the example. */
  error?: string;
  /** Wall time of the last run, ms. */
  ms?: number;
  [key: string]: unknown;
}

declare global {
  interface Window {
    unetKitExample: ExampleState;
  }
}

/** The state object, created on first use. */
export function exampleState(): ExampleState {
  window.unetKitExample ??= { status: 'idle' };
  return window.unetKitExample;
}

/** A numeric query parameter (`?steps=3`), checked against `[min, max]`; `fallback` when absent. */
export function numberParam(name: string, fallback: number, min: number, max: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`query parameter ${name}=${raw}: expected a number in [${min}, ${max}]`);
  return value;
}

/** A text query parameter, or `fallback`. */
export function textParam(name: string, fallback: string): string {
  return new URLSearchParams(location.search).get(name) ?? fallback;
}

/** The element with `id`, typed; throws when the page lacks it. */
export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** Shows `text` in the page's #status line. */
export function setStatus(text: string): void {
  element('status').textContent = text;
}

/** Marks the example failed: the message goes to #status and to the state (not to the console). */
export function showError(error: unknown): void {
  const state = exampleState();
  state.status = 'error';
  state.error = error instanceof Error ? error.message : String(error);
  setStatus(`Error: ${state.error}`);
}
