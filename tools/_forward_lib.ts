/**
 * Makes executed copies of the lessons runnable where they are written: a lesson imports
 * `../lib/mod.ts`, which from build/notebooks/ is build/lib/mod.ts. {@linkcode forwardLib}
 * writes there, for each module of the kit's lib/, a module that re-exports it.
 *
 * @module
 */
import { dirname, join, relative } from "node:path";

/** The first line of every forwarding module {@linkcode forwardLib} writes. */
const FORWARD_MARK =
  "// Forwards to the kit's lib (written by tools/_jupyter.ts for executed copies).";

/**
 * Writes `dir/lib/`: for every module of the kit's lib/, one of the same name that re-exports
 * it (`export * from "<relative path>/lib/<module>"`), so that `../lib/mod.ts` from a folder
 * next to it reaches the kit's lib. lib finds its data through its own location, so data/
 * needs nothing. Not symbolic links: those would let anything allowed to write to build/ write
 * into lib/ through them (Deno refuses to create them under the kit's path-scoped write
 * permission for that reason).
 *
 * It never writes into the kit's lib: nothing is written when `dir/lib` is (or leads to) the
 * kit's lib, when it or a folder in it is a symbolic link, or over a file that is not one of
 * these forwarding modules. A module is rewritten only when its text changes (through a
 * temporary file and a rename, as runs may go on at the same time), and none is removed.
 *
 * @param dir The folder to hold `lib/` (build/ for executed copies in build/notebooks/).
 * @param root The kit's folder, whose lib/ is forwarded to.
 * @returns The number of modules written.
 *
 * @example Forward the kit's lib into a scratch folder
 * ```ts
 * import { forwardLib } from "./_forward_lib.ts";
 * import { ROOT } from "./_jupyter.ts";
 * import { scratchDir } from "./_scratch.ts";
 * const dir = await scratchDir("forward-");
 * if ((await forwardLib(dir, ROOT)) === 0) throw new Error("nothing written");
 * const mod = await Deno.readTextFile(`${dir}/lib/mod.ts`);
 * if (!mod.includes('export * from "../../../../lib/mod.ts";')) throw new Error(mod);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function forwardLib(dir: string, root: string): Promise<number> {
  const lib = join(root, "lib");
  const realLib = await Deno.realPath(lib);
  const into = join(dir, "lib");
  const isLinkOrLib = async (path: string): Promise<boolean> => {
    try {
      const stat = await Deno.lstat(path);
      return stat.isSymlink || (await Deno.realPath(path)) === realLib;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  };
  if (await isLinkOrLib(into)) return 0;
  let written = 0;
  const walk = async (sub: string): Promise<void> => {
    const folder = join(into, sub);
    if (await isLinkOrLib(folder)) return;
    for await (const entry of Deno.readDir(join(lib, sub))) {
      const rel = join(sub, entry.name);
      if (entry.isDirectory) {
        await walk(rel);
        continue;
      }
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const target = join(into, rel);
      let spec = relative(dirname(target), join(lib, rel));
      if (!spec.startsWith(".")) spec = `./${spec}`;
      const text = `${FORWARD_MARK}\nexport * from ${JSON.stringify(spec)};\n`;
      let old: string | null = null;
      try {
        if ((await Deno.lstat(target)).isSymlink) continue;
        old = await Deno.readTextFile(target);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (old === text || (old !== null && !old.startsWith(FORWARD_MARK))) continue;
      await Deno.mkdir(folder, { recursive: true });
      if (await isLinkOrLib(folder)) return;
      const temp = await Deno.makeTempFile({ dir: folder, prefix: ".forward-" });
      await Deno.writeTextFile(temp, text);
      await Deno.chmod(temp, 0o644);
      await Deno.rename(temp, target);
      written++;
    }
  };
  await walk("");
  return written;
}
