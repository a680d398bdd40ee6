/**
 * Where lib meets the Deno Jupyter kernel: whether the code runs in it, the function that
 * sends an output bundle to the front end, the wait until printed and displayed output has
 * been published (with `_iopub.ts`, which watches the kernel's IOPub channel), and the clock
 * live displays throttle by. Tests replace the display function and the clock through
 * `lib/testing.ts`.
 *
 * @module
 */
import { awaitIopub, type IopubAddress, kernelIopubAddress } from "./_iopub.ts";

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

/**
 * How long to wait after publishing `bundle` when the kernel's IOPub channel cannot be watched
 * (see {@link flushIopub}): 20 ms plus 40 ms per MB of JSON. Measured before the IOPub wait
 * existed: a 4 MB bundle was dropped after a 20 ms wait, never after 100 ms (on an idle
 * machine; a timed wait guarantees nothing under load).
 */
export function settleMs(bundle: MediaBundle): number {
  return 20 + Math.ceil((40 * JSON.stringify(bundle).length) / 1e6);
}

/** The kernel's IOPub address; `null` once watching it has failed (or is impossible). */
let iopub: IopubAddress | null | undefined;

/** Pushes an invisible marker through the kernel's output queue (see `_iopub.ts`). */
function publishMarker(markerId: string): void {
  Deno.jupyter.broadcast("update_display_data", {
    data: {},
    metadata: {},
    transient: { display_id: markerId },
  });
}

/**
 * Waits until everything the running cell has printed or displayed so far has been written
 * to the kernel's IOPub channel, so that it reaches the front end before the cell's "idle"
 * status and under the cell's own header: the Deno kernel publishes output from a queue on
 * another thread and does not wait for it before declaring a cell finished (`_iopub.ts`
 * explains the mechanism). Where the channel cannot be watched (Windows, an unexpected
 * kernel, or a wait that already failed once in this kernel session) it waits `fallbackMs`
 * instead. Returns at once outside the kernel and while a test display hook is set.
 *
 * @param fallbackMs The timed wait used when IOPub cannot be watched.
 * @returns Once the output has been written (or after the fallback wait).
 */
export async function flushIopub(fallbackMs: number): Promise<void> {
  if (hook !== undefined || !inJupyter()) return;
  if (iopub === undefined) iopub = (await kernelIopubAddress()) ?? null;
  if (iopub !== null) {
    if (await awaitIopub(iopub, publishMarker) === "seen") return;
    iopub = null;
  }
  await new Promise((resolve) => setTimeout(resolve, fallbackMs));
}

/**
 * Sends `bundle` to the front end: to the test hook if one is set (at once, so live displays
 * keep their timing), else through the kernel's display function, then waits with
 * {@link flushIopub} until the kernel has actually published it (falling back on a wait of
 * {@link settleMs}). Without the wait, a cell that ends right after a display can lose it:
 * Jupyter clients (nbclient, JupyterLab) drop output that arrives after the cell's "idle".
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
  await flushIopub(settleMs(bundle));
}
