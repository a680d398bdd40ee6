/**
 * Cuts the Fashion-MNIST subset the kit ships in `data/fashion_mnist/` from the full files:
 * the first 600 images of each class of the training file (6000 images) and the first 200 of
 * each class of the test (t10k) file (2000 images), each kept in its original file order, written
 * as IDX files like the originals (header 00 00 08 d, big-endian sizes, then the bytes) and
 * gzipped. Deterministic: the same source files give the same bytes (gzip's header time is 0).
 *
 * From the kit's folder (the `kit` permission set does not allow writing `data/`):
 *
 * ```sh
 * deno run --allow-read --allow-write=data tools/cut_fashion_mnist.ts [source dir] [output dir]
 * ```
 *
 * The source defaults to `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`),
 * the output to the kit's `data/fashion_mnist/`. It prints each file's images, size and SHA-256,
 * the lines `data/README.md` records.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { FASHION_MNIST_CLASSES, type IdxArray, readIdx } from "../lib/fashion_mnist.ts";

/** Where Debian's `dataset-fashion-mnist` installs the full set. */
export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** The kit's folder for the subset. */
export const SUBSET_DIR: string = fileURLToPath(
  new URL("../data/fashion_mnist/", import.meta.url),
);

/** How many images of each class each split keeps. */
export const PER_CLASS: Readonly<Record<"train" | "t10k", number>> = Object.freeze({
  train: 600,
  t10k: 200,
});

/** One written file. */
export interface CutFile {
  /** Its name, e.g. `train-images-idx3-ubyte.gz`. */
  name: string;
  /** Its IDX shape, e.g. [6000, 28, 28]. */
  shape: number[];
  /** Its size in bytes (gzipped). */
  bytes: number;
  /** SHA-256 of the gzipped file, hex. */
  sha256: string;
  /** SHA-256 of the decompressed IDX bytes, hex (independent of the gzip compressor). */
  rawSha256: string;
}

/**
 * The positions of the first `perClass` items of each class, in their original order.
 *
 * @param labels One class label per item, each in [0, numClasses − 1].
 * @param perClass How many of each class to keep.
 * @param numClasses The number of classes.
 * @returns Ascending positions, `perClass · numClasses` of them.
 * @throws {RangeError} When a class has fewer than `perClass` items.
 *
 * @example Two of each of two classes
 * ```ts
 * import { firstPerClass } from "./cut_fashion_mnist.ts";
 * const picked = firstPerClass(Uint8Array.from([1, 1, 0, 1, 0, 0]), 2, 2);
 * if (picked.join() !== "0,1,2,4") throw new Error(picked.join());
 * ```
 */
export function firstPerClass(labels: Uint8Array, perClass: number, numClasses: number): number[] {
  const taken = Array<number>(numClasses).fill(0);
  const picked: number[] = [];
  labels.forEach((c, i) => {
    if (taken[c] < perClass) {
      taken[c]++;
      picked.push(i);
    }
  });
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) {
    throw new RangeError(
      `class ${short} has ${taken[short]} items, fewer than the ${perClass} per class to keep`,
    );
  }
  return picked;
}

/**
 * The bytes of an unsigned-byte IDX file: 00 00 08 d, then d big-endian 32-bit sizes, then the
 * data.
 *
 * @param idx The shape and the bytes (the product of `shape` of them).
 * @returns The file's bytes, uncompressed.
 *
 * @example Three labels
 * ```ts
 * import { encodeIdx } from "./cut_fashion_mnist.ts";
 * const bytes = encodeIdx({ shape: [3], data: Uint8Array.from([7, 0, 9]) });
 * if (bytes.join() !== "0,0,8,1,0,0,0,3,7,0,9") throw new Error(bytes.join());
 * ```
 */
export function encodeIdx(idx: IdxArray): Uint8Array<ArrayBuffer> {
  const header = 4 + 4 * idx.shape.length;
  const out = new Uint8Array(header + idx.data.length);
  const view = new DataView(out.buffer);
  view.setUint8(2, 0x08);
  view.setUint8(3, idx.shape.length);
  idx.shape.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  out.set(idx.data, header);
  return out;
}

/** gzip-compresses bytes (header time 0, so the output depends on the input only). */
async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** SHA-256 in hex. */
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Joins a folder and a file name with one slash. */
function join(dir: string, file: string): string {
  return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
}

/**
 * Cuts both splits from `sourceDir` into `outDir` (which must exist): for each, the first
 * {@link PER_CLASS} images of every class and their labels, in file order, gzipped IDX.
 *
 * @param sourceDir The folder of the full gzipped files (`train-images-idx3-ubyte.gz` …).
 * @param outDir Where to write the four subset files.
 * @returns The written files.
 *
 * @example Cut into a scratch folder (needs Debian's files)
 * ```ts ignore
 * import { cutFashionMnist, DEBIAN_DIR } from "./cut_fashion_mnist.ts";
 * const files = await cutFashionMnist(DEBIAN_DIR, await Deno.makeTempDir());
 * if (files.length !== 4) throw new Error();
 * ```
 */
export async function cutFashionMnist(sourceDir: string, outDir: string): Promise<CutFile[]> {
  const written: CutFile[] = [];
  for (const prefix of ["train", "t10k"] as const) {
    const images = await readIdx(join(sourceDir, `${prefix}-images-idx3-ubyte.gz`));
    const labels = await readIdx(join(sourceDir, `${prefix}-labels-idx1-ubyte.gz`));
    const [count, height, width] = images.shape;
    if (images.shape.length !== 3 || labels.shape.length !== 1 || labels.shape[0] !== count) {
      throw new RangeError(
        `${sourceDir}: ${prefix} images of shape [${
          images.shape.join(", ")
        }] and labels of shape [${labels.shape.join(", ")}] do not match`,
      );
    }
    const picked = firstPerClass(labels.data, PER_CLASS[prefix], FASHION_MNIST_CLASSES.length);
    const size = height * width;
    const pixels = new Uint8Array(picked.length * size);
    picked.forEach((src, i) =>
      pixels.set(images.data.subarray(src * size, (src + 1) * size), i * size)
    );
    const parts: [string, IdxArray][] = [
      [`${prefix}-images-idx3-ubyte.gz`, { shape: [picked.length, height, width], data: pixels }],
      [`${prefix}-labels-idx1-ubyte.gz`, {
        shape: [picked.length],
        data: Uint8Array.from(picked, (i) => labels.data[i]),
      }],
    ];
    for (const [name, idx] of parts) {
      const raw = encodeIdx(idx);
      const packed = await gzip(raw);
      await Deno.writeFile(join(outDir, name), packed);
      written.push({
        name,
        shape: idx.shape,
        bytes: packed.length,
        sha256: await sha256(packed),
        rawSha256: await sha256(raw),
      });
    }
  }
  return written;
}

if (import.meta.main) {
  const [sourceDir = DEBIAN_DIR, outDir = SUBSET_DIR, ...rest] = Deno.args;
  if (rest.length > 0) {
    console.error(
      "usage: deno run --allow-read --allow-write=data tools/cut_fashion_mnist.ts [source dir] [output dir]",
    );
    Deno.exit(2);
  }
  await Deno.mkdir(outDir, { recursive: true });
  for (const f of await cutFashionMnist(sourceDir, outDir)) {
    console.log(
      `| \`${f.name}\` | [${
        f.shape.join(", ")
      }] | ${f.bytes} | \`${f.sha256}\` | \`${f.rawSha256}\` |`,
    );
  }
}
