/**
 * Publishing an output bundle so that it reaches the notebook: through the kernel's display
 * function (or a test's stand-in, see `_kernel.ts`), then a short wait in the real kernel.
 *
 * @module
 */
import { type DisplayCallOptions, type MediaBundle, sendDisplay } from "./_kernel.ts";

/** How long to wait after publishing `bundle`: 20 ms plus 40 ms per MB of JSON. */
export function settleMs(bundle: MediaBundle): number {
  return 20 + Math.ceil((40 * JSON.stringify(bundle).length) / 1e6);
}

/**
 * Sends `bundle` to the front end. The Deno kernel publishes a display from a queue and can
 * do so after the cell's "idle" status when the cell ends right after it; Jupyter clients
 * (nbclient, JupyterLab) drop outputs that arrive after "idle". So after a bundle that went
 * to Deno's own display function this waits {@link settleMs}: big bundles take longer to
 * serialize (measured: a 4 MB bundle was dropped after a 20 ms wait, never after 100 ms). A
 * test's display hook outside the kernel gets no wait, so live displays keep their timing.
 */
export async function publish(bundle: MediaBundle, options: DisplayCallOptions): Promise<void> {
  await sendDisplay(bundle, options);
  if (denoDisplayExists()) await new Promise((resolve) => setTimeout(resolve, settleMs(bundle)));
}

/**
 * Whether Deno's own display function exists (under `deno jupyter`; elsewhere reading
 * `Deno.jupyter` throws). Unlike `inJupyter()` this ignores a test hook: it asks where the
 * bundle went, not whether lib should display at all.
 */
function denoDisplayExists(): boolean {
  try {
    return typeof (Deno as { jupyter?: { display?: unknown } }).jupyter?.display === "function";
  } catch {
    return false;
  }
}
