/**
 * Chooses the tfjs backend: WebAssembly (SIMD) by default, the plain JavaScript cpu backend
 * as a fallback.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { setSeed } from "./random.ts";
import { checkOptions } from "./_validate.ts";
import { registerConvKernels } from "./_conv_kernels.ts";

/** The backends lib knows how to start. */
export type BackendName = "wasm" | "cpu";

/** Options of {@link setup}. */
export interface SetupOptions {
  /** The backend to try first. @default "wasm" */
  backend?: BackendName;
}

const SETUP_OPTIONS = Object.keys({ backend: true } satisfies Record<keyof SetupOptions, true>);

/**
 * Starts a tfjs backend. The wasm backend is about three times faster than cpu here; if it
 * cannot start, lib falls back to cpu and says so in one line. On wasm it also registers lib's
 * convolution gradient kernels (`_conv_kernels.ts`), without which Conv2D layers cannot
 * train there.
 *
 * @param backend The backend to try first.
 * @returns The backend that is active.
 *
 * @example Start the cpu backend
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const name = await initBackend("cpu");
 * if (name !== "cpu") throw new Error(name);
 * ```
 */
export async function initBackend(backend: BackendName = "wasm"): Promise<BackendName> {
  if (backend !== "wasm" && backend !== "cpu") {
    throw new RangeError(`backend must be "wasm" or "cpu", got ${JSON.stringify(backend)}`);
  }
  if (backend === "wasm") {
    // The wasm package registers its backend only once one of its exports is read.
    if (typeof wasm.version_wasm !== "string") throw new Error("tfjs-backend-wasm did not load");
    // Conv2D training on wasm: the missing filter gradient and faster kernels (idempotent).
    registerConvKernels();
  }
  if (tf.getBackend() === backend) return backend;
  if (backend === "wasm") {
    try {
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        return "wasm";
      }
    } catch {
      // fall through to cpu
    }
    console.log("lib: the wasm backend could not start; using the slower cpu backend");
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}

/**
 * One call for the top of a notebook: starts the backend and seeds lib's random stream.
 *
 * @param seed The notebook's seed.
 * @param options The backend to try first.
 * @returns The active backend.
 *
 * @example The top of a notebook, on the cpu backend
 * ```ts
 * import { setup } from "./backend.ts";
 * await setup(1, { backend: "cpu" });
 * ```
 */
export async function setup(
  seed: number,
  options: SetupOptions = {},
): Promise<BackendName> {
  const { backend = "wasm" } = checkOptions(options, SETUP_OPTIONS);
  setSeed(seed);
  return await initBackend(backend);
}
