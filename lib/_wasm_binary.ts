/**
 * The WebAssembly binary encodings the kit's kernel assemblers (`_wasm_simd.ts`,
 * `_mlp_simd.ts`) share: LEB128 integers, sections, vectors and names.
 *
 * @module
 */

/** Bytes of a module or of an instruction sequence. */
export type Code = number[];

/**
 * Unsigned LEB128: 7 bits a byte, low bits first, the high bit set on every byte but the last.
 *
 * @param n A non-negative integer below 2³².
 * @returns Its bytes.
 *
 * @example 624485 is e5 8e 26
 * ```ts
 * import { uleb } from "./_wasm_binary.ts";
 * if (uleb(624485).join() !== [0xe5, 0x8e, 0x26].join()) throw new Error("uleb");
 * ```
 */
export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128 (the immediate of `i32.const`): two's complement, 7 bits a byte, until the
 * rest is all sign bits.
 *
 * @param n A 32-bit signed integer.
 * @returns Its bytes.
 *
 * @example −123456 is c0 bb 78
 * ```ts
 * import { sleb } from "./_wasm_binary.ts";
 * if (sleb(-123456).join() !== [0xc0, 0xbb, 0x78].join()) throw new Error("sleb");
 * ```
 */
export function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * A module section: its id, its size and its body.
 *
 * @param id The section id (1 types, 2 imports, 3 functions, 7 exports, 10 code, ...).
 * @param body The section's bytes.
 * @returns The section's bytes.
 *
 * @example
 * ```ts
 * import { section } from "./_wasm_binary.ts";
 * if (section(7, [1, 2, 3]).join() !== "7,3,1,2,3") throw new Error("section");
 * ```
 */
export function section(id: number, body: Code): Code {
  return [id, ...uleb(body.length), ...body];
}

/**
 * A vector: the count of its items, then the items.
 *
 * @param items Each item's bytes.
 * @returns The vector's bytes.
 *
 * @example
 * ```ts
 * import { vec } from "./_wasm_binary.ts";
 * if (vec([[1], [2, 3]]).join() !== "2,1,2,3") throw new Error("vec");
 * ```
 */
export function vec(items: Code[]): Code {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * A name (of an import or export): its length, then its characters (ASCII).
 *
 * @param s The name.
 * @returns Its bytes.
 *
 * @example
 * ```ts
 * import { name } from "./_wasm_binary.ts";
 * if (name("env").join() !== "3,101,110,118") throw new Error("name");
 * ```
 */
export function name(s: string): Code {
  return [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
}
