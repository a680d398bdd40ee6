/**
 * Test support for lib's maintainers: stand-ins for the Deno Jupyter kernel's display
 * function and for the clock the live displays throttle by, so that tests run under
 * `deno test` can check what lib would show in a notebook, and when.
 *
 * Not part of the lessons' library: `lib/mod.ts` does not re-export this module. Import it
 * from its path in tests (`import { setDisplayHook } from "../lib/testing.ts"`).
 *
 * @module
 */
import {
  type DisplayFunction,
  setClock as kernelSetClock,
  setDisplayHook as kernelSetHook,
} from "./_kernel.ts";

export type { DisplayCallOptions, DisplayFunction, MediaBundle } from "./_kernel.ts";

/**
 * Replaces the kernel's display function: while a hook is set, lib behaves as if it ran in
 * the kernel (`inJupyter()` is true) and hands every output bundle to `fn` instead of
 * `Deno.jupyter.display`. Restore with `setDisplayHook(undefined)`, in a `finally`.
 *
 * @param fn Receives each bundle and its display options; `undefined` restores the kernel's.
 * @returns Nothing.
 *
 * @example Record what show() would display
 * ```ts
 * import { setDisplayHook } from "./testing.ts";
 * import { show } from "./display.ts";
 * const sent: unknown[] = [];
 * setDisplayHook((bundle) => {
 *   sent.push(bundle);
 * });
 * try {
 *   await show({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "point" });
 * } finally {
 *   setDisplayHook(undefined);
 * }
 * if (sent.length !== 1) throw new Error(`expected one bundle, got ${sent.length}`);
 * ```
 */
export function setDisplayHook(fn: DisplayFunction | undefined): void {
  kernelSetHook(fn);
}

/**
 * Replaces the millisecond clock the live displays throttle their refreshes by, so a test can
 * step time by hand. Restore with `setClock(undefined)`, in a `finally`.
 *
 * @param now Returns the current time in milliseconds; `undefined` restores `performance.now`.
 * @returns Nothing.
 *
 * @example A clock that only moves when told
 * ```ts
 * import { setClock } from "./testing.ts";
 * let t = 0;
 * setClock(() => t);
 * try {
 *   t = 500; // half a second later, as far as lib can tell
 * } finally {
 *   setClock(undefined);
 * }
 * ```
 */
export function setClock(now: (() => number) | undefined): void {
  kernelSetClock(now);
}
