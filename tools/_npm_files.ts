/**
 * Reads files shipped inside npm packages (stylesheets, fonts, browser bundles) from Deno's npm
 * cache, for the slide decks that inline them. Packages are the ones pinned in deno.json
 * `imports`; nothing is read from a CDN.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "./_jupyter.ts";

/** The pinned `npm:` specifier of a package in deno.json `imports`, e.g. `npm:katex@0.16.22`. */
function _pinnedSpecifier(name: string): string {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))) as {
    imports?: Record<string, string>;
  };
  const specifier = config.imports?.[name];
  if (!specifier || !specifier.startsWith("npm:")) {
    throw new RangeError(
      `npm package must be pinned in deno.json imports, got no npm: entry for ${name}`,
    );
  }
  return specifier;
}

/** Splits `reveal.js/dist/reveal.css` or `@scope/pkg/file` into package name and sub-path. */
function _splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const count = specifier.startsWith("@") ? 2 : 1;
  return { name: parts.slice(0, count).join("/"), subpath: parts.slice(count).join("/") };
}

/** Where `deno info` says a pinned package lives in the cache (downloading it if needed). */
async function _packageDir(name: string): Promise<string> {
  const pinned = _pinnedSpecifier(name);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", pinned],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${pinned} is not in Deno's npm cache and could not be fetched (deno info failed):\n` +
        decoder.decode(out.stderr).trim(),
    );
  }
  const info = JSON.parse(decoder.decode(out.stdout)) as {
    npmPackages?: Record<string, { name: string; localPath?: string }>;
  };
  const version = pinned.slice(pinned.lastIndexOf("@") + 1);
  const entry = Object.entries(info.npmPackages ?? {}).find(([key, pkg]) =>
    pkg.name === name && key.startsWith(`${name}@${version}`)
  );
  if (!entry?.[1].localPath) {
    throw new Error(`deno info ${pinned} did not report where the package is cached`);
  }
  return entry[1].localPath;
}

/**
 * Finds a file inside a pinned npm package in Deno's npm cache.
 *
 * It asks Deno's resolver first (`import.meta.resolve`), and falls back to `deno info`, which
 * also downloads the package if the cache does not hold it yet.
 *
 * @param specifier The package name and the file's path inside it, e.g.
 *   `katex/dist/katex.min.css`; the package must be in deno.json `imports`.
 * @returns The file's absolute path.
 * @throws RangeError when the package is not pinned in deno.json, Error when the file is missing.
 *
 * @example Where reveal.js's stylesheet is
 * ```ts
 * import { npmFile } from "./_npm_files.ts";
 * const css = await npmFile("reveal.js/dist/reveal.css");
 * if (!(await Deno.readTextFile(css)).includes(".reveal")) throw new Error(css);
 * ```
 */
export async function npmFile(specifier: string): Promise<string> {
  const { name, subpath } = _splitSpecifier(specifier);
  _pinnedSpecifier(name);
  let resolved: string | undefined;
  try {
    resolved = import.meta.resolve(specifier);
  } catch {
    resolved = undefined;
  }
  if (resolved?.startsWith("file:")) {
    const path = fileURLToPath(resolved);
    if (existsSync(path)) return path;
  }
  const path = join(await _packageDir(name), subpath);
  if (!existsSync(path)) {
    throw new Error(`npm file must exist in the package, got no ${subpath} in ${name} (${path})`);
  }
  return path;
}

/**
 * Reads a text file inside a pinned npm package.
 *
 * @param specifier The package name and the file's path inside it.
 * @returns The file's text.
 *
 * @example Read KaTeX's stylesheet
 * ```ts
 * import { readNpmText } from "./_npm_files.ts";
 * const css = await readNpmText("katex/dist/katex.min.css");
 * if (!css.includes("@font-face")) throw new Error("katex css");
 * ```
 */
export async function readNpmText(specifier: string): Promise<string> {
  return await Deno.readTextFile(await npmFile(specifier));
}
