/**
 * Where lib meets the Deno Jupyter kernel: whether the code runs in it, the function that
 * sends an output bundle to the front end, and the clock live displays throttle by. Tests
 * replace the display function and the clock through `lib/testing.ts`.
 *
 * @module
 */

/** Any Jupyter output bundle: MIME type to data. */
export type MediaBundle = { [mime: string]: string | object };

/** What the kernel's display function receives besides the bundle. */
export interface DisplayCallOptions {
  /** Always true: the bundle is passed as is. */
  raw: true;
  /** The display id, if any. */
  display_id?: string;
  /** Whether this replaces an earlier output with the same display id. */
  update: boolean;
}

/** A function that sends a bundle to the front end (the kernel's, or a test's stand-in). */
export type DisplayFunction = (bundle: MediaBundle, options: DisplayCallOptions) => unknown;

let hook: DisplayFunction | undefined;
let clock: () => number = () => performance.now();

/** Replaces the kernel's display function; `undefined` restores it. */
export function setDisplayHook(fn: DisplayFunction | undefined): void {
  hook = fn;
}

/** Replaces the millisecond clock; `undefined` restores `performance.now`. */
export function setClock(now: (() => number) | undefined): void {
  clock = now ?? (() => performance.now());
}

/** The current time in milliseconds by the (replaceable) clock. */
export function now(): number {
  return clock();
}

/**
 * Whether the code runs in the Deno Jupyter kernel (or a test display hook is set). Deno
 * defines `Deno.jupyter` only under `deno jupyter`; elsewhere reading it throws, so this
 * reads it inside `try`.
 */
export function inJupyter(): boolean {
  if (hook !== undefined) return true;
  try {
    const jupyter = (Deno as { jupyter?: { display?: unknown } }).jupyter;
    return typeof jupyter?.display === "function";
  } catch {
    return false;
  }
}

/** How long to wait after publishing `bundle` in the kernel: 20 ms plus 40 ms per MB of JSON. */
export function settleMs(bundle: MediaBundle): number {
  return 20 + Math.ceil((40 * JSON.stringify(bundle).length) / 1e6);
}

/**
 * Sends `bundle` to the front end: to the test hook if one is set (at once, so live displays
 * keep their timing), else through the kernel's display function followed by a wait of
 * {@link settleMs}. The Deno kernel publishes a display from a queue and can do so after the
 * cell's "idle" status when the cell ends right after it; Jupyter clients (nbclient,
 * JupyterLab) drop outputs that arrive after "idle". Big bundles take longer to serialize
 * (measured: a 4 MB bundle was dropped after a 20 ms wait, never after 100 ms).
 */
export async function sendDisplay(
  bundle: MediaBundle,
  options: DisplayCallOptions,
): Promise<void> {
  if (hook !== undefined) {
    await hook(bundle, options);
    return;
  }
  await Deno.jupyter.display(bundle, options);
  await new Promise((resolve) => setTimeout(resolve, settleMs(bundle)));
}
