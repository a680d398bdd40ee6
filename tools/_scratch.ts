/**
 * Scratch folders inside `build/tmp/`, so that the tools and tests write nowhere but `build/`
 * and `slides/` (the permission set `kit` in deno.json allows no other writes).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `build/tmp/` of this checkout. */
export const SCRATCH_ROOT: string = join(
  resolve(dirname(fileURLToPath(import.meta.url)), ".."),
  "build",
  "tmp",
);

/**
 * Makes a new, empty folder in `build/tmp/` (the caller removes it).
 *
 * @param prefix The start of its name.
 * @returns Its absolute path.
 *
 * @example
 * ```ts
 * import { scratchDir } from "./_scratch.ts";
 * const dir = await scratchDir("example-");
 * if (!dir.includes("/build/tmp/example-")) throw new Error(dir);
 * await Deno.remove(dir);
 * ```
 */
export async function scratchDir(prefix = "scratch-"): Promise<string> {
  await Deno.mkdir(SCRATCH_ROOT, { recursive: true });
  return await Deno.makeTempDir({ dir: SCRATCH_ROOT, prefix });
}

/**
 * Makes a new, empty file in `build/tmp/` (the caller removes it).
 *
 * @param prefix The start of its name.
 * @param suffix The end of its name, e.g. `.json`.
 * @returns Its absolute path.
 *
 * @example
 * ```ts
 * import { scratchFile } from "./_scratch.ts";
 * const path = await scratchFile("example-", ".json");
 * if (!path.endsWith(".json")) throw new Error(path);
 * await Deno.remove(path);
 * ```
 */
export async function scratchFile(prefix = "scratch-", suffix = ""): Promise<string> {
  await Deno.mkdir(SCRATCH_ROOT, { recursive: true });
  return await Deno.makeTempFile({ dir: SCRATCH_ROOT, prefix, suffix });
}

/**
 * Synchronous {@link scratchDir}, for tests that set up before their first await.
 *
 * @param prefix The start of its name.
 * @returns Its absolute path.
 *
 * @example
 * ```ts
 * import { scratchDirSync } from "./_scratch.ts";
 * const dir = scratchDirSync("example-");
 * Deno.removeSync(dir);
 * ```
 */
export function scratchDirSync(prefix = "scratch-"): string {
  Deno.mkdirSync(SCRATCH_ROOT, { recursive: true });
  return Deno.makeTempDirSync({ dir: SCRATCH_ROOT, prefix });
}
