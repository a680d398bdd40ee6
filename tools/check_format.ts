/**
 * `deno task ok`'s format check: `deno fmt --check` on every file but the notebooks, then each
 * notebook in `notebooks/` formatted as a copy with the project's `fmt` settings and reported
 * when its copy came out different, with the first differing line. `deno fmt --check` itself
 * reports correctly formatted notebooks as unformatted (with an empty diff) until `deno fmt` has
 * once written them on that machine; formatting a copy is not affected.
 *
 * ```sh
 * deno run -P=kit tools/check_format.ts   # exit 0 when every lesson is formatted, else 1
 * ```
 *
 * @module
 */
import { basename, join } from "node:path";
import { listNotebooks, ROOT, runCli } from "./_jupyter.ts";

/** The `fmt` settings of deno.json that have a command-line flag. */
const FLAGS: Record<string, string> = {
  lineWidth: "--line-width",
  indentWidth: "--indent-width",
  useTabs: "--use-tabs",
  singleQuote: "--single-quote",
  proseWrap: "--prose-wrap",
  semiColons: "--no-semicolons",
};

/**
 * The `deno fmt` flags that reproduce the `fmt` settings of a deno.json, for formatting files
 * outside the project (`--no-config` plus one flag per setting).
 *
 * @param config The parsed deno.json.
 * @returns The flags.
 * @throws {Error} For a setting that has no flag (the check would then format differently).
 *
 * @example The course's line width
 * ```ts
 * import { fmtFlags } from "./check_format.ts";
 * const flags = fmtFlags({ fmt: { lineWidth: 100, exclude: ["build/"] } });
 * if (flags.join(" ") !== "--no-config --line-width=100") throw new Error(flags.join(" "));
 * ```
 */
export function fmtFlags(config: { fmt?: Record<string, unknown> }): string[] {
  const flags = ["--no-config"];
  for (const [key, value] of Object.entries(config.fmt ?? {})) {
    if (key === "exclude" || key === "include") continue;
    const flag = FLAGS[key];
    if (flag === undefined) {
      throw new Error(
        `deno.json fmt.${key} has no deno fmt flag; tools/check_format.ts must learn it`,
      );
    }
    if (key === "semiColons") {
      if (value === false) flags.push(flag);
    } else if (typeof value === "boolean") {
      if (value) flags.push(flag);
    } else {
      flags.push(`${flag}=${value}`);
    }
  }
  return flags;
}

/**
 * The first line where two texts differ, as `line N: expected … / found …`, or undefined.
 *
 * @param found The text on disk.
 * @param expected The formatted text.
 * @returns A one-line description of the first difference.
 *
 * @example
 * ```ts
 * import { firstDifference } from "./check_format.ts";
 * const d = firstDifference("a\nb  c\n", "a\nb c\n");
 * if (!d?.startsWith("line 2:")) throw new Error(String(d));
 * ```
 */
export function firstDifference(found: string, expected: string): string | undefined {
  if (found === expected) return undefined;
  const a = found.split("\n"), b = expected.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}: found ${JSON.stringify(a[i] ?? "")}, formatted ${
        JSON.stringify(b[i] ?? "")
      }`;
    }
  }
  return "the files differ";
}

/**
 * Checks that `paths` are formatted: copies them to a scratch folder in `build/`, runs
 * `deno fmt` on the copies with the project's settings, and compares.
 *
 * @param paths Notebook paths.
 * @returns One problem line per unformatted notebook (empty when all are formatted).
 */
export async function unformattedNotebooks(paths: readonly string[]): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const scratch = join(ROOT, "build", "fmt-check");
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  await Deno.mkdir(scratch, { recursive: true });
  try {
    const copies = [];
    for (const path of paths) {
      const copy = join(scratch, basename(path));
      await Deno.copyFile(path, copy);
      copies.push(copy);
    }
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", ...fmtFlags(config), ...copies],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `deno fmt could not format the notebooks:\n${new TextDecoder().decode(stderr)}`,
      );
    }
    const problems = [];
    for (const [i, path] of paths.entries()) {
      const diff = firstDifference(
        await Deno.readTextFile(path),
        await Deno.readTextFile(copies[i]),
      );
      if (diff) problems.push(`${path}: not formatted (${diff}); run deno fmt ${path}`);
    }
    return problems;
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs `deno fmt --check` on everything but the notebooks (the `fmt.exclude` of deno.json still
 * applies), printing what it prints.
 *
 * @returns Whether every file is formatted.
 */
export async function otherFilesFormatted(): Promise<boolean> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  // --ignore replaces the config's exclude list, so it repeats it
  const ignore = [...(config.fmt?.exclude ?? []), ...(config.exclude ?? []), "notebooks/"];
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--check", `--ignore=${ignore.join(",")}`],
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code === 0;
}

async function main(): Promise<number> {
  const othersOk = await otherFilesFormatted();
  const paths = listNotebooks();
  const problems = await unformattedNotebooks(paths);
  for (const line of problems) console.error(line);
  console.log(
    problems.length === 0
      ? `${paths.length} notebooks formatted`
      : `${problems.length} of ${paths.length} notebooks not formatted`,
  );
  return problems.length === 0 && othersOk ? 0 : 1;
}

if (import.meta.main) await runCli(main);
