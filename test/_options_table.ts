/**
 * The option checks shared by the options tests: over a table of public functions that take an
 * options object, a misspelt name is a TypeError that names it and lists the valid ones, options
 * that are not an object are a TypeError, and every valid name is accepted.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Calls a function with an options object; `any` lets a test pass a misspelt name. */
// deno-lint-ignore no-explicit-any
export type Call = (options: any) => unknown;

/** One options object of a public function: how to call it, its valid names, a valid base. */
export interface OptionEntry {
  /** The function, and which of its objects when it takes two. */
  name: string;
  /** Calls the function (sync or async) with the given object in the place under test. */
  call: Call;
  /** The valid names of that object: the error for a misspelt name must list each. */
  valid: string[];
  /** The required settings, merged under every test object. @default {} */
  base?: Record<string, unknown>;
  /** How the function names the object in its messages. @default "options" */
  param?: string;
  /** Whether a non-object is an error (false where a string is a valid value). @default true */
  objectOnly?: boolean;
  /** What the not-an-object message says of the object before ", got". @default "" */
  shape?: string;
  /** Misspelt names to try besides the near misses of `valid[0]`. @default [] */
  misspelt?: string[];
  /** A valid value of `valid[0]`: it must be accepted, and misspelt names are tried with it. */
  example?: unknown;
}

/** How {@link optionTableTests} names and runs its tests. */
export interface OptionTableOptions {
  /** A word for the test names: "training" gives "a misspelt training option ...". */
  label?: string;
  /** Frees what an accepted call returned (a model, tensors). */
  cleanup?: (out: unknown) => unknown;
  /** Whether a rejected call must throw, not return a rejected promise. @default false */
  sync?: boolean;
}

/** Values a misspelt name is tried with; undefined as well, since those keys are checked too. */
const MISSPELT_VALUES = [0.5, 2, undefined];
/** Options that are not an object, strings among them. */
const NOT_OBJECTS = [5, "seed", "epochs", null, [1]];

/** Registers one test per check, with one step per entry of the table. */
export function optionTableTests(entries: OptionEntry[], options: OptionTableOptions = {}): void {
  const { label, cleanup, sync = false } = options;
  const l = label ? `${label} ` : "";

  /** Calls, awaits and frees; an error is the call's. */
  async function accept(call: Call, arg: unknown): Promise<void> {
    const out = await call(arg);
    await cleanup?.(out);
  }

  /** Calls and returns what the call threw or rejected with; fails if it did neither. */
  async function errorOf(call: Call, arg: unknown): Promise<unknown> {
    let out: unknown;
    try {
      out = call(arg);
    } catch (err) {
      return err;
    }
    try {
      await accept(() => out, undefined);
    } catch (err) {
      assert.ok(!sync, `expected a synchronous throw, got a rejected promise: ${err}`);
      return err;
    }
    throw new assert.AssertionError({ message: `expected an error for ${describe(arg)}` });
  }

  Deno.test(`a misspelt ${l}option is a TypeError that names it and lists the valid ones`, async (t) => {
    for (const entry of entries) {
      const { name, call, valid, base = {}, misspelt = [] } = entry;
      await t.step(name, async () => {
        const values: unknown[] = [...MISSPELT_VALUES];
        if ("example" in entry) {
          // The call's other arguments are fine, so a rejection is the misspelt name's doing.
          await accept(call, { ...base, [valid[0]]: entry.example });
          values.unshift(entry.example);
        }
        // Near misses of the first valid name, and misspelt names set to undefined.
        const names = [`${valid[0]}s`, "seeds", `${valid[0].toLowerCase()}_`, ...misspelt];
        for (const bad of names) {
          for (const value of values) {
            const err = await errorOf(call, { ...base, [bad]: value });
            assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
            assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
            for (const v of valid) {
              assert.match(err.message, new RegExp(`\\b${v}\\b`), `${v} missing: ${err.message}`);
            }
          }
        }
      });
    }
  });

  Deno.test(`${l}options that are not an object are a TypeError`, async (t) => {
    for (const { name, call, param = "options", objectOnly = true, shape = "" } of entries) {
      if (!objectOnly) continue;
      await t.step(name, async () => {
        for (const value of NOT_OBJECTS) {
          const err = await errorOf(call, value);
          assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
          assert.equal(err.name, "TypeError");
          const prefix = `${param} must be an object${shape}, got `;
          assert.ok(err.message.startsWith(prefix), `${err.message} (expected ${prefix}...)`);
        }
      });
    }
  });

  Deno.test(`every valid ${l}option name is accepted`, async (t) => {
    for (const { name, call, valid, base } of entries) {
      await t.step(name, async () => {
        // undefined means "use the default", so each optional name alone must not throw.
        for (const v of valid.filter((v) => !(base && v in base))) {
          await accept(call, { ...base, [v]: undefined });
        }
        await accept(call, { ...base });
        if (!base) await accept(call, undefined); // no required settings: the object is optional
      });
    }
  });
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
