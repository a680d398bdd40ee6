/**
 * Fashion-MNIST images: 28×28 grey-scale pictures of Zalando articles in 10 classes (Xiao,
 * Rasul and Vollgraf 2017). The kit ships a fixed, class-balanced subset in
 * `data/fashion_mnist/` — the first 600 images of each class of the training file (6000) and
 * the first 200 of each class of the test file (2000), in file order, still in the original
 * IDX format, gzipped (see `data/README.md` for origin, licence and how it was cut). The same
 * loader reads the full set (60 000 + 10 000 images) from another folder, such as Debian's
 * `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
 *
 * Images stay bytes (0–255) in one row-major `Uint8Array` until {@link imageTensors} turns the
 * images a lesson needs into float32 tensors in [0, 1]; {@link splitImages} draws seeded,
 * class-balanced training, dev and test sets from a loaded set.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fileURLToPath } from "node:url";
import { checkIndices } from "./_dataset.ts";
import { makeRng } from "./random.ts";
import { seedOr } from "./_random.ts";
import {
  checkIntAtLeast,
  checkNonEmptyArray,
  checkObject,
  checkOneOf,
  checkOptions,
  checkPositiveInt,
  checkString,
  describe,
} from "./_validate.ts";

/** The 10 Fashion-MNIST class names, in label order (label 0 is "T-shirt/top"). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]);

/** The contents of an IDX file of unsigned bytes: its dimensions and its values. */
export interface IdxArray {
  /** The dimensions from the file's header, e.g. [6000, 28, 28] for images, [6000] for labels. */
  shape: number[];
  /** The values in row-major order: the product of `shape` bytes. */
  data: Uint8Array;
}

/** A set of grey-scale images with one class label each. */
export interface ImageSet {
  /** The images, row-major: image i's pixel (r, c) is `pixels[i·height·width + r·width + c]`, 0–255. */
  pixels: Uint8Array;
  /** One class label per image, an index into `classNames`. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
  /** Rows of each image. */
  height: number;
  /** Columns of each image. */
  width: number;
  /** The class names, in label order. */
  classNames: string[];
}

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Which file pair to read: `"train"` (train-*) or `"test"` (t10k-*). @default "train" */
  split?: "train" | "test";
  /**
   * Folder holding the IDX files, gzipped (`train-images-idx3-ubyte.gz` …) or not
   * (`train-images-idx3-ubyte` …): an absolute path, a path relative to the working directory,
   * or a `file:` URL. `"/usr/share/datasets/fashion-mnist"` reads Debian's full set.
   * @default the kit's `data/fashion_mnist/` folder (the shipped subset)
   */
  dir?: string | URL;
  /** Read only the first `limit` images (and labels), in file order. @default all of them */
  limit?: number;
}

/** Options of {@link splitImages}. */
export interface SplitImagesOptions {
  /** Integer seed. @default the next seed of lib's global stream */
  seed?: number;
}

const LOAD_OPTIONS: readonly (keyof LoadFashionMnistOptions)[] = ["split", "dir", "limit"];
const SPLIT_OPTIONS: readonly (keyof SplitImagesOptions)[] = ["seed"];
const SPLITS: readonly ("train" | "test")[] = ["train", "test"];

/** The IDX element types by code, for error messages (only 0x08 is read). */
const IDX_TYPES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "16-bit integer",
  0x0c: "32-bit integer",
  0x0d: "32-bit float",
  0x0e: "64-bit float",
};

/** The kit's own Fashion-MNIST folder, `../data/fashion_mnist/` from this module. */
const DEFAULT_DIR = new URL("../data/fashion_mnist/", import.meta.url);

/** A path or URL as shown in messages: a file URL as its path. */
function _show(path: string | URL): string {
  if (typeof path === "string") return path;
  return path.protocol === "file:" ? fileURLToPath(path) : path.href;
}

/** Joins a folder (path or URL) and a file name. */
function _join(dir: string | URL, file: string): string | URL {
  if (typeof dir === "string") return dir.endsWith("/") ? dir + file : `${dir}/${file}`;
  return new URL(file, dir.href.endsWith("/") ? dir : new URL(`${dir.href}/`));
}

/** Bytes as hex, for messages: `50 4b 03 04`. */
function _hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Decompresses gzip data, with an error naming the file when it is corrupt or cut short. */
async function _gunzip(bytes: Uint8Array<ArrayBuffer>, shown: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new RangeError(
      `${shown} starts like a gzip file (1f 8b) but cannot be decompressed: it is truncated or corrupt (${
        err instanceof Error ? err.message : String(err)
      })`,
      { cause: err },
    );
  }
}

/** Parses the bytes of an (uncompressed) IDX file of unsigned bytes. */
function _parseIdx(bytes: Uint8Array, shown: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new RangeError(
      `${shown} is not an IDX file: it must start with the magic number 00 00 <type> <dims>, got ${
        bytes.length === 0 ? "an empty file" : _hex(bytes.subarray(0, 4))
      }`,
    );
  }
  const type = bytes[2], dims = bytes[3];
  if (type !== 0x08) {
    const name = IDX_TYPES[type] ? ` (${IDX_TYPES[type]})` : "";
    throw new RangeError(
      `${shown}: the IDX data type must be 0x08 (unsigned byte), got 0x${
        type.toString(16).padStart(2, "0")
      }${name}`,
    );
  }
  if (dims === 0) {
    throw new RangeError(`${shown}: the IDX header must announce at least 1 dimension, got 0`);
  }
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) {
    throw new RangeError(
      `${shown} is truncated: its IDX header announces ${dims} dimensions (${headerBytes} header bytes), the file has ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape = Array.from({ length: dims }, (_, k) => view.getUint32(4 + 4 * k, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  if (have < size) {
    throw new RangeError(
      `${shown} is truncated: its header announces shape [${
        shape.join(", ")
      }] (${size} bytes of data), the file holds ${have}`,
    );
  }
  if (have > size) {
    throw new RangeError(
      `${shown} has ${have - size} bytes after the data its header announces (shape [${
        shape.join(", ")
      }], ${size} bytes): not a well-formed IDX file`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/** Reads a file's bytes, or null when it does not exist. */
async function _readOrNull(path: string | URL): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new Error(
      `cannot read IDX file ${_show(path)}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** Decompresses (when gzipped) and parses the bytes of an IDX file. */
async function _decodeIdx(bytes: Uint8Array<ArrayBuffer>, shown: string): Promise<IdxArray> {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
    ? await _gunzip(bytes, shown)
    : bytes;
  return _parseIdx(raw, shown);
}

/**
 * Reads an IDX file of unsigned bytes (the format of the MNIST and Fashion-MNIST files),
 * gzipped or not: a file starting with gzip's magic bytes 1f 8b is decompressed first. The
 * header is the magic number 00 00 08 d (08: unsigned bytes, d: number of dimensions), then d
 * big-endian 32-bit sizes; the data must hold exactly their product of bytes.
 *
 * @param path The file: a path or a `file:` URL.
 * @returns Its shape and its bytes.
 * @throws {Error} When the file does not exist (the message says where the kit keeps its data).
 * @throws {RangeError} When the file is not IDX, holds another data type, or is truncated.
 *
 * @example The labels of the shipped test subset
 * ```ts
 * import { readIdx } from "./fashion_mnist.ts";
 * const url = new URL("../data/fashion_mnist/t10k-labels-idx1-ubyte.gz", import.meta.url);
 * const { shape, data } = await readIdx(url);
 * if (shape.join() !== "2000" || data.length !== 2000) throw new Error();
 * ```
 */
export async function readIdx(path: string | URL): Promise<IdxArray> {
  if (!(path instanceof URL)) checkString(path, "path");
  const bytes = await _readOrNull(path);
  if (bytes === null) {
    throw new Error(
      `IDX file not found: ${_show(path)} (the kit keeps its Fashion-MNIST files in ${
        _show(DEFAULT_DIR)
      })`,
    );
  }
  return await _decodeIdx(bytes, _show(path));
}

/** The base name of each file of a split, without `.gz`. */
function _fileNames(split: "train" | "test"): { images: string; labels: string } {
  const prefix = split === "train" ? "train" : "t10k";
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/**
 * Reads one file of a split from `dir`: `<name>.gz`, else `<name>`, with a missing-file error
 * that says where the kit keeps the files.
 */
async function _readSplitFile(
  dir: string | URL,
  name: string,
  custom: boolean,
): Promise<{ idx: IdxArray; shown: string }> {
  for (const file of [`${name}.gz`, name]) {
    const path = _join(dir, file);
    const bytes = await _readOrNull(path);
    if (bytes === null) continue;
    const shown = _show(path);
    return { idx: await _decodeIdx(bytes, shown), shown };
  }
  const hint = custom
    ? `dir is ${
      describe(typeof dir === "string" ? dir : dir.href)
    }; it must hold Fashion-MNIST's IDX files, gzipped or not (for example Debian's /usr/share/datasets/fashion-mnist), or leave dir unset to read the kit's subset in ${
      _show(DEFAULT_DIR)
    }`
    : `the kit ships it in data/fashion_mnist/; restore it with \`git checkout -- data/fashion_mnist/${name}.gz\``;
  throw new Error(
    `Fashion-MNIST file not found: ${
      _show(_join(dir, `${name}.gz`))
    }, nor uncompressed as ${name} (${hint})`,
  );
}

/**
 * Loads Fashion-MNIST images and labels: by default the kit's shipped subset (train: 6000
 * images, 600 per class; test: 2000, 200 per class), or the files in `dir`, such as the full
 * set in Debian's `/usr/share/datasets/fashion-mnist` (60 000 and 10 000 images). Files are
 * `train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz` (test: `t10k-…`), gzipped or
 * not; the image and label files must hold the same number of items, every label a class
 * 0–9.
 *
 * @param options The split, the folder and how many images to read.
 * @returns The images as bytes with their labels and the class names.
 *
 * @example The shipped training subset: 6000 images of 28×28
 * ```ts
 * import { loadFashionMnist } from "./fashion_mnist.ts";
 * const train = await loadFashionMnist();
 * if (train.count !== 6000 || train.height !== 28 || train.width !== 28) throw new Error();
 * const some = await loadFashionMnist({ split: "test", limit: 10 });
 * if (some.count !== 10 || some.pixels.length !== 10 * 28 * 28) throw new Error();
 * ```
 */
export async function loadFashionMnist(
  options: LoadFashionMnistOptions = {},
): Promise<ImageSet> {
  checkOptions(options, LOAD_OPTIONS);
  const split = checkOneOf(options.split ?? "train", "split", SPLITS);
  const custom = options.dir !== undefined;
  if (custom && !(options.dir instanceof URL)) {
    checkString(options.dir, "dir");
  }
  const dir = options.dir ?? DEFAULT_DIR;
  if (options.limit !== undefined) checkPositiveInt(options.limit, "limit");
  const names = _fileNames(split);
  const [images, labels] = await Promise.all([
    _readSplitFile(dir, names.images, custom),
    _readSplitFile(dir, names.labels, custom),
  ]);
  if (images.idx.shape.length !== 3) {
    throw new RangeError(
      `${images.shown} must hold images, shape [count, height, width], got shape [${
        images.idx.shape.join(", ")
      }]`,
    );
  }
  if (labels.idx.shape.length !== 1) {
    throw new RangeError(
      `${labels.shown} must hold labels, shape [count], got shape [${labels.idx.shape.join(", ")}]`,
    );
  }
  const [count, height, width] = images.idx.shape;
  if (labels.idx.shape[0] !== count) {
    throw new RangeError(
      `${labels.shown} must hold one label per image of ${images.shown} (${count}), got ${
        labels.idx.shape[0]
      }`,
    );
  }
  const k = FASHION_MNIST_CLASSES.length;
  const bad = labels.idx.data.findIndex((c) => c >= k);
  if (bad >= 0) {
    throw new RangeError(
      `${labels.shown}: label ${bad} must be a class in [0, ${k - 1}], got ${labels.idx.data[bad]}`,
    );
  }
  const limit = options.limit ?? count;
  if (limit > count) {
    throw new RangeError(
      `limit must be at most ${count} (the images in ${images.shown}), got ${limit}`,
    );
  }
  const size = height * width;
  return {
    // A copy when only part is kept, so the rest of the file's buffer can be freed.
    pixels: limit < count ? images.idx.data.slice(0, limit * size) : images.idx.data,
    labels: limit < count ? labels.idx.data.slice(0, limit) : labels.idx.data,
    count: limit,
    height,
    width,
    classNames: [...FASHION_MNIST_CLASSES],
  };
}

/** Checks that `set` is a consistent {@link ImageSet}. */
function _checkImageSet(set: unknown, name = "set"): ImageSet {
  const s = checkObject(set, name) as Partial<ImageSet>;
  checkIntAtLeast(s.count, `${name}.count`, 0);
  checkPositiveInt(s.height, `${name}.height`);
  checkPositiveInt(s.width, `${name}.width`);
  if (!(s.pixels instanceof Uint8Array)) {
    throw new TypeError(`${name}.pixels must be a Uint8Array, got ${describe(s.pixels)}`);
  }
  if (!(s.labels instanceof Uint8Array)) {
    throw new TypeError(`${name}.labels must be a Uint8Array, got ${describe(s.labels)}`);
  }
  const count = s.count!, size = s.height! * s.width!;
  if (s.pixels.length !== count * size) {
    throw new RangeError(
      `${name}.pixels must hold count·height·width = ${count}·${s.height}·${s.width} = ${
        count * size
      } bytes, got ${s.pixels.length}`,
    );
  }
  if (s.labels.length !== count) {
    throw new RangeError(
      `${name}.labels must hold one label per image (${count}), got ${s.labels.length}`,
    );
  }
  if (!Array.isArray(s.classNames) || s.classNames.some((c) => typeof c !== "string")) {
    throw new TypeError(
      `${name}.classNames must be an array of strings, got ${describe(s.classNames)}`,
    );
  }
  const k = s.classNames.length;
  const bad = s.labels.findIndex((c) => c >= k);
  if (bad >= 0) {
    throw new RangeError(
      `${name}.labels[${bad}] must be a class in [0, ${k - 1}], got ${s.labels[bad]}`,
    );
  }
  return s as ImageSet;
}

/**
 * Float32 tensors of a set's images (all, or those at `indices`, in that order) for training:
 * X[i, r, c, 0] = pixels of image i at row r, column c ÷ 255, in [0, 1], and one-hot labels
 * y[i, j] = 1 when image i is of class j, else 0. The caller owns (and disposes) both.
 *
 * @param set The images.
 * @param indices Which images, in which order (repeats allowed). @default all, in order
 * @returns `X` of shape [n, height, width, 1] and `y` of shape [n, classNames.length].
 *
 * @example Ten test images as tensors
 * ```ts
 * import { imageTensors, loadFashionMnist } from "./fashion_mnist.ts";
 * const test = await loadFashionMnist({ split: "test", limit: 10 });
 * const { X, y } = imageTensors(test);
 * if (X.shape.join() !== "10,28,28,1" || y.shape.join() !== "10,10") throw new Error();
 * X.dispose();
 * y.dispose();
 * ```
 */
export function imageTensors(
  set: ImageSet,
  indices?: readonly number[],
): { X: tf.Tensor4D; y: tf.Tensor2D } {
  _checkImageSet(set);
  if (indices !== undefined) checkIndices(indices, set.count);
  const rows = indices ?? null;
  const n = rows ? rows.length : set.count;
  const size = set.height * set.width, k = set.classNames.length;
  const xs = new Float32Array(n * size);
  const ys = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const src = rows ? rows[i] : i;
    const from = src * size;
    for (let p = 0; p < size; p++) xs[i * size + p] = set.pixels[from + p] / 255;
    ys[i * k + set.labels[src]] = 1;
  }
  return {
    X: tf.tensor4d(xs, [n, set.height, set.width, 1], "float32"),
    y: tf.tensor2d(ys, [n, k], "float32"),
  };
}

/**
 * A new set holding the images at `indices`, in that order (repeats allowed); pixels and
 * labels are copied.
 *
 * @param set The images.
 * @param indices Which images, integers in [0, count − 1].
 * @returns The chosen images with the same size and class names.
 *
 * @example The first three test images
 * ```ts
 * import { loadFashionMnist, subsetImages } from "./fashion_mnist.ts";
 * const test = await loadFashionMnist({ split: "test" });
 * const three = subsetImages(test, [0, 1, 2]);
 * if (three.count !== 3 || three.labels[0] !== test.labels[0]) throw new Error();
 * ```
 */
export function subsetImages(set: ImageSet, indices: readonly number[]): ImageSet {
  _checkImageSet(set);
  checkIndices(indices, set.count);
  const size = set.height * set.width;
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((src, i) => {
    pixels.set(set.pixels.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = set.labels[src];
  });
  return {
    pixels,
    labels,
    count: indices.length,
    height: set.height,
    width: set.width,
    classNames: set.classNames.slice(),
  };
}

/**
 * Shares `total` among classes as evenly as their `caps` allow: every class gets the same
 * number, except that a class with too few left gives all it has, and the last few units go
 * one each to classes in turn, starting at `turn.next` (which moves on, so that successive
 * draws favour different classes).
 */
function _balance(total: number, caps: readonly number[], turn: { next: number }): number[] {
  const k = caps.length;
  const alloc = Array<number>(k).fill(0);
  let left = total;
  while (left > 0) {
    const open = caps.map((c, j) => (alloc[j] < c ? j : -1)).filter((j) => j >= 0);
    if (left < open.length) {
      // Hand out the remainder one each, in turn order.
      for (let step = 0; left > 0; step++) {
        const j = (turn.next + step) % k;
        if (alloc[j] < caps[j]) {
          alloc[j]++;
          left--;
          if (left === 0) turn.next = (j + 1) % k;
        }
      }
      break;
    }
    const room = Math.min(...open.map((j) => caps[j] - alloc[j]));
    const share = Math.min(Math.floor(left / open.length), room);
    for (const j of open) alloc[j] += share;
    left -= share * open.length;
  }
  return alloc;
}

/**
 * Draws disjoint, class-balanced sets of the given sizes from a set, seeded: each class's
 * images are shuffled once, and each draw takes the next images of every class, the same
 * number from each (size ÷ number of classes; a class with too few left gives all it has and
 * the others make up the difference, and a remainder goes one each to classes in turn). Each
 * drawn set keeps file order. With the shipped training subset, sizes [1000, 1000] give 100
 * images per class in each.
 *
 * @param set The images to draw from.
 * @param sizes The size of each draw, positive integers adding up to at most `set.count`.
 * @param options The seed.
 * @returns One set per size, no image in two of them.
 *
 * @example A 1000-image training set and a 1000-image dev set, 100 of each class
 * ```ts
 * import { classCounts, loadFashionMnist, splitImages } from "./fashion_mnist.ts";
 * const [train, dev] = splitImages(await loadFashionMnist(), [1000, 1000], { seed: 1 });
 * if (classCounts(train).some((c) => c !== 100) || dev.count !== 1000) throw new Error();
 * ```
 */
export function splitImages(
  set: ImageSet,
  sizes: readonly number[],
  options: SplitImagesOptions = {},
): ImageSet[] {
  _checkImageSet(set);
  checkNonEmptyArray<number>(sizes, "sizes", "positive integers");
  sizes.forEach((s, i) => checkPositiveInt(s, `sizes[${i}]`));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > set.count) {
    throw new RangeError(
      `sizes must add up to at most the ${set.count} images of set, got ${
        sizes.join(" + ")
      } = ${total}`,
    );
  }
  checkOptions(options, SPLIT_OPTIONS);
  const rng = makeRng(seedOr(options.seed));
  const k = set.classNames.length;
  const groups: number[][] = Array.from({ length: k }, () => []);
  set.labels.forEach((c, i) => groups[c].push(i));
  const orders = groups.map((g) => rng.shuffle(g));
  const used = Array<number>(k).fill(0);
  const turn = { next: 0 };
  return sizes.map((size) => {
    const take = _balance(size, orders.map((o, j) => o.length - used[j]), turn);
    const picked: number[] = [];
    take.forEach((t, j) => {
      picked.push(...orders[j].slice(used[j], used[j] + t));
      used[j] += t;
    });
    picked.sort((a, b) => a - b);
    return subsetImages(set, picked);
  });
}

/**
 * The number of images of each class.
 *
 * @param set The images.
 * @returns One count per class name, in label order.
 *
 * @example 200 of each class in the shipped test subset
 * ```ts
 * import { classCounts, loadFashionMnist } from "./fashion_mnist.ts";
 * const counts = classCounts(await loadFashionMnist({ split: "test" }));
 * if (counts.length !== 10 || counts.some((c) => c !== 200)) throw new Error();
 * ```
 */
export function classCounts(set: ImageSet): number[] {
  _checkImageSet(set);
  const counts = Array<number>(set.classNames.length).fill(0);
  for (const c of set.labels) counts[c]++;
  return counts;
}

/**
 * One image's pixels as numbers in [0, 1] (byte ÷ 255), row-major, for charts.
 *
 * @param set The images.
 * @param index Which image, an integer in [0, count − 1].
 * @returns height·width values; pixel (r, c) is at r·width + c.
 *
 * @example The first test image
 * ```ts
 * import { imagePixels, loadFashionMnist } from "./fashion_mnist.ts";
 * const test = await loadFashionMnist({ split: "test", limit: 1 });
 * const values = imagePixels(test, 0);
 * if (values.length !== 784 || values.some((v) => v < 0 || v > 1)) throw new Error();
 * ```
 */
export function imagePixels(set: ImageSet, index: number): Float32Array {
  _checkImageSet(set);
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= set.count) {
    const allowed = set.count > 0 ? `an integer in [0, ${set.count - 1}]` : "absent (set is empty)";
    throw new (typeof index === "number" ? RangeError : TypeError)(
      `index must be ${allowed}, got ${describe(index)}`,
    );
  }
  const size = set.height * set.width;
  const out = new Float32Array(size);
  for (let p = 0; p < size; p++) out[p] = set.pixels[index * size + p] / 255;
  return out;
}
