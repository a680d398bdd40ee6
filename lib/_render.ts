/**
 * Turning a Vega-Lite spec into what a front end shows: the spec checked, compiled to Vega,
 * drawn to SVG by a headless vega View, and described in one line of text. vega and
 * vega-lite are loaded on first use, so importing this module costs nothing until a chart is
 * drawn.
 *
 * @module
 */
import process from "node:process";
import type { VegaLiteSpec } from "./charts/_common.ts";
import { describe } from "./_validate.ts";

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
let modules: Promise<{ vega: Vega; vl: VegaLite }> | undefined;

/**
 * Loads vega and vega-lite on first use. Their Node build pulls in a module that prints a
 * deprecation warning (`punycode`) on load; it is silenced for the import only.
 */
function load(): Promise<{ vega: Vega; vl: VegaLite }> {
  modules ??= (async () => {
    const proc = process as typeof process & { noDeprecation?: boolean };
    const previous = proc.noDeprecation;
    proc.noDeprecation = true;
    try {
      const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
      return { vega, vl };
    } finally {
      proc.noDeprecation = previous;
    }
  })();
  return modules;
}

/** Throws unless `spec` is an object declaring a Vega-Lite v5 schema; returns it. */
export function checkSpec(spec: unknown, name = "spec"): VegaLiteSpec {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new TypeError(`${name} must be a Vega-Lite spec object, got ${describe(spec)}`);
  }
  const schema = (spec as VegaLiteSpec).$schema;
  if (typeof schema !== "string" || !/\/schema\/vega-lite\/v5(\.\d+)*\.json$/.test(schema)) {
    throw new RangeError(
      `${name}.$schema must be a Vega-Lite v5 schema URL such as ` +
        `"https://vega.github.io/schema/vega-lite/v5.json", got ${describe(schema)}`,
    );
  }
  return spec as VegaLiteSpec;
}

/** A compiled spec and the warnings vega-lite and vega reported on the way. */
export interface Compiled {
  /** The Vega spec vega-lite produced. */
  vegaSpec: object;
  /** Warnings, as text. */
  warnings: string[];
}

/** Compiles a Vega-Lite spec to Vega, collecting vega-lite's warnings instead of printing them. */
export async function compile(spec: VegaLiteSpec): Promise<Compiled> {
  const { vl } = await load();
  const warnings: string[] = [];
  type Args = Parameters<VegaLite["compile"]>;
  const options = { logger: collectingLogger(warnings) } as unknown as Args[1];
  // A copy: vega tags the data rows it ingests with a symbol; the caller's spec stays as it was.
  const out = vl.compile(structuredClone(spec) as unknown as Args[0], options);
  return { vegaSpec: out.spec, warnings };
}

/** A vega logger that appends warnings and errors to `warnings` instead of printing them. */
function collectingLogger(warnings: string[]) {
  let level = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      warnings.push(`error: ${args.map(String).join(" ")}`);
      return logger;
    },
    warn(...args: unknown[]) {
      warnings.push(args.map(String).join(" "));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/**
 * Rounds the coordinates in an SVG's geometry attributes to 2 decimals (a hundredth of a
 * pixel): vega writes them with up to 17 digits, which makes heat maps several times larger.
 */
export function compactSvg(svg: string): string {
  return svg.replace(
    / (d|transform|x|y|x1|x2|y1|y2|dx|dy)="([^"]*)"/g,
    (_match, name: string, value: string) =>
      ` ${name}="${
        value.replace(/-?\d*\.\d{3,}(e-?\d+)?/g, (n) => {
          const r = Math.round(Number(n) * 100) / 100;
          return String(r === 0 ? 0 : r);
        })
      }"`,
  );
}

/**
 * Renders a spec to SVG and returns it with every warning vega-lite and vega reported (the
 * chart tests require there be none).
 */
export async function renderWithWarnings(
  spec: VegaLiteSpec,
): Promise<{ svg: string; warnings: string[] }> {
  const { vega } = await load();
  const { vegaSpec, warnings } = await compile(spec);
  const view = new vega.View(vega.parse(vegaSpec as never), {
    renderer: "none",
    logger: collectingLogger(warnings) as unknown as ReturnType<Vega["logger"]>,
    logLevel: vega.Warn,
  });
  try {
    const svg = compactSvg(await view.toSVG());
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/** The text of a Vega-Lite title (a string, lines, or `{text}`), or "" without one. */
function titleText(title: unknown): string {
  if (typeof title === "string") return title;
  if (Array.isArray(title)) return title.map(String).join(" ");
  if (typeof title === "object" && title !== null && "text" in title) {
    return titleText((title as { text: unknown }).text);
  }
  return "";
}

/** A one-line description of a spec: `Chart: ` and its title, else its panels' titles. */
export function describeChart(spec: VegaLiteSpec): string {
  let text = titleText(spec.title);
  if (!text && typeof spec.description === "string") text = spec.description;
  if (!text) {
    const parts = (spec.hconcat ?? spec.vconcat ?? spec.concat) as unknown[] | undefined;
    if (Array.isArray(parts)) {
      text = parts.map((p) => titleText((p as { title?: unknown })?.title)).filter(Boolean)
        .join(" | ");
    }
  }
  return text ? `Chart: ${text}` : "Chart";
}
