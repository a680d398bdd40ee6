import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import {
  classCounts,
  FASHION_MNIST_CLASSES,
  imagePixels,
  type ImageSet,
  imageTensors,
  loadFashionMnist,
  readIdx,
  splitImages,
  subsetImages,
} from "../lib/fashion_mnist.ts";

await initBackend("cpu");

const DATA = new URL("../data/fashion_mnist/", import.meta.url);
const DEBIAN = "/usr/share/datasets/fashion-mnist";
const FILES = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

/** Whether Debian's full Fashion-MNIST files are installed. */
const haveDebian = FILES.every((f) => {
  try {
    return Deno.statSync(`${DEBIAN}/${f}`).isFile;
  } catch {
    return false;
  }
});

/** A fresh folder under /tmp (the caller removes it). */
function tempDir(): string {
  return Deno.makeTempDirSync({ dir: "/tmp", prefix: "fashion-mnist-test-" });
}

/** The bytes of an IDX file written by hand: magic 00 00 type d, big-endian sizes, data. */
function idxBytes(shape: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out[2] = type;
  out[3] = shape.length;
  shape.forEach((d, k) => {
    for (let b = 0; b < 4; b++) out[4 + 4 * k + b] = (d >>> (8 * (3 - b))) & 0xff;
  });
  out.set(Array.from(data), 4 + 4 * shape.length);
  return out;
}

/** A gzipped IDX file read without lib: its sizes and its data, decompressed by node:zlib. */
function readByHand(path: string | URL): { shape: number[]; data: Uint8Array } {
  const raw = new Uint8Array(gunzipSync(Deno.readFileSync(path)));
  const dims = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: dims }, (_, k) => view.getUint32(4 + 4 * k));
  return { shape, data: raw.subarray(4 + 4 * dims) };
}

/** Label counts computed here, not by lib's classCounts. */
function countLabels(labels: Uint8Array, k = 10): number[] {
  const counts = Array<number>(k).fill(0);
  for (const c of labels) counts[c]++;
  return counts;
}

/**
 * A synthetic set of 1×2 images whose pixels spell the image's own index (high byte, low
 * byte), so that a drawn image tells where it came from.
 */
function codedSet(labels: number[], k: number): ImageSet {
  const count = labels.length;
  const pixels = new Uint8Array(2 * count);
  for (let i = 0; i < count; i++) {
    pixels[2 * i] = i >> 8;
    pixels[2 * i + 1] = i & 0xff;
  }
  return {
    pixels,
    labels: Uint8Array.from(labels),
    count,
    height: 1,
    width: 2,
    classNames: Array.from({ length: k }, (_, j) => `c${j}`),
  };
}

/** The original indices of a drawn coded set's images. */
function codes(set: ImageSet): number[] {
  return Array.from(
    { length: set.count },
    (_, i) => set.pixels[2 * i] * 256 + set.pixels[2 * i + 1],
  );
}

/** Asserts that `f` rejects with an error of `type` whose message matches `pattern`. */
async function assertRejects(
  f: () => Promise<unknown>,
  type: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(f, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err}`);
    assert.match((err as Error).message, pattern);
    return true;
  });
}

Deno.test("loadFashionMnist() reads the shipped subset: 6000 train and 2000 test images of 28×28, 600 and 200 per class", async () => {
  const train = await loadFashionMnist();
  assert.equal(train.count, 6000);
  assert.equal(train.height, 28);
  assert.equal(train.width, 28);
  assert.equal(train.pixels.length, 6000 * 28 * 28);
  assert.equal(train.labels.length, 6000);
  assert.deepEqual(countLabels(train.labels), Array(10).fill(600));
  assert.deepEqual(classCounts(train), countLabels(train.labels));
  assert.deepEqual(train.classNames, [
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
  assert.deepEqual(train.classNames, [...FASHION_MNIST_CLASSES]);
  const test = await loadFashionMnist({ split: "test" });
  assert.equal(test.count, 2000);
  assert.equal(test.height * test.width, 784);
  assert.deepEqual(countLabels(test.labels), Array(10).fill(200));
  // The subset is real images: not all blank, pixels over the full byte range.
  assert.equal(Math.max(...test.pixels.subarray(0, 784)) > 0, true);
});

Deno.test("the shipped files have the sizes and SHA-256 that data/README.md records", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", DATA));
  for (const file of FILES) {
    const bytes = await Deno.readFile(new URL(file, DATA));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const row = readme.split("\n").find((line) => line.startsWith(`| \`fashion_mnist/${file}\``));
    assert.ok(row, `data/README.md has no table row for ${file}`);
    const cells = row.split("|").map((c) => c.trim());
    assert.equal(Number(cells[4].replaceAll(" ", "")), bytes.length, `size of ${file}`);
    assert.equal(cells[5], `\`${hex}\``, `SHA-256 of ${file}`);
  }
});

Deno.test("readIdx() reads a gzipped file and its decompressed copy in /tmp identically", async () => {
  const dir = tempDir();
  try {
    for (const file of FILES) {
      const gz = await readIdx(new URL(file, DATA));
      const plainPath = `${dir}/${file.replace(/\.gz$/, "")}`;
      await Deno.writeFile(plainPath, gunzipSync(await Deno.readFile(new URL(file, DATA))));
      const plain = await readIdx(plainPath);
      assert.deepEqual(plain.shape, gz.shape);
      assert.deepEqual(plain.data, gz.data);
      const byHand = readByHand(new URL(file, DATA));
      assert.deepEqual(gz.shape, byHand.shape);
      assert.deepEqual(gz.data, byHand.data);
    }
    // loadFashionMnist finds the uncompressed names too.
    const plainSet = await loadFashionMnist({ split: "test", dir });
    const gzSet = await loadFashionMnist({ split: "test" });
    assert.deepEqual(plainSet.pixels, gzSet.pixels);
    assert.deepEqual(plainSet.labels, gzSet.labels);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the subset's first image is the first image of Debian's full training file",
  ignore: !haveDebian,
  fn: async () => {
    const full = readByHand(`${DEBIAN}/train-images-idx3-ubyte.gz`);
    assert.deepEqual(full.shape, [60000, 28, 28]);
    const subset = await loadFashionMnist({ limit: 1 });
    assert.deepEqual(subset.pixels, full.data.subarray(0, 784));
  },
});

Deno.test({
  name: "the subset's images are exactly the first of each class of Debian's files, in file order",
  ignore: !haveDebian,
  fn: async () => {
    for (
      const [split, prefix, perClass] of [["train", "train", 600], ["test", "t10k", 200]] as const
    ) {
      const images = readByHand(`${DEBIAN}/${prefix}-images-idx3-ubyte.gz`).data;
      const labels = readByHand(`${DEBIAN}/${prefix}-labels-idx1-ubyte.gz`).data;
      const seen = Array<number>(10).fill(0);
      const want: number[] = [];
      for (let i = 0; i < labels.length; i++) {
        if (seen[labels[i]]++ < perClass) want.push(i);
      }
      const subset = await loadFashionMnist({ split });
      assert.equal(subset.count, want.length);
      want.forEach((src, i) => {
        assert.equal(subset.labels[i], labels[src], `${split} label ${i}`);
        assert.deepEqual(
          subset.pixels.subarray(i * 784, (i + 1) * 784),
          images.subarray(src * 784, (src + 1) * 784),
          `${split} image ${i} must be image ${src} of the full file`,
        );
      });
    }
  },
});

Deno.test({
  name: "loadFashionMnist() reads Debian's full files with dir: 60000 and 10000 images",
  ignore: !haveDebian,
  fn: async () => {
    const train = await loadFashionMnist({ dir: DEBIAN });
    assert.equal(train.count, 60000);
    assert.deepEqual(countLabels(train.labels), Array(10).fill(6000));
    const test = await loadFashionMnist({ split: "test", dir: new URL(`file://${DEBIAN}`) });
    assert.equal(test.count, 10000);
    const head = await loadFashionMnist({ split: "test", dir: DEBIAN, limit: 5 });
    assert.deepEqual(head.pixels, test.pixels.subarray(0, 5 * 784));
    assert.deepEqual(head.labels, test.labels.subarray(0, 5));
  },
});

Deno.test("limit keeps the first images and labels in file order", async () => {
  const all = await loadFashionMnist({ split: "test" });
  const some = await loadFashionMnist({ split: "test", limit: 7 });
  assert.equal(some.count, 7);
  assert.deepEqual(some.pixels, all.pixels.subarray(0, 7 * 784));
  assert.deepEqual(some.labels, all.labels.subarray(0, 7));
});

Deno.test("imageTensors() gives pixels/255 as [n, h, w, 1] and one-hot labels, leaking no tensor", async () => {
  const test = await loadFashionMnist({ split: "test", limit: 50 });
  const before = tf.memory().numTensors;
  const indices = [3, 0, 49, 3];
  const { X, y } = imageTensors(test, indices);
  assert.deepEqual(X.shape, [4, 28, 28, 1]);
  assert.equal(X.dtype, "float32");
  assert.deepEqual(y.shape, [4, 10]);
  const xs = X.dataSync(), ys = y.dataSync();
  indices.forEach((src, i) => {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const byte = test.pixels[src * 784 + r * 28 + c];
        assert.equal(xs[(i * 28 + r) * 28 + c], Math.fround(byte / 255));
      }
    }
    for (let j = 0; j < 10; j++) assert.equal(ys[i * 10 + j], j === test.labels[src] ? 1 : 0);
  });
  X.dispose();
  y.dispose();
  const all = imageTensors(test);
  assert.deepEqual(all.X.shape, [50, 28, 28, 1]);
  // Every row of y sums to 1, and X lies in [0, 1] with some pixel at each end.
  const rowSums = tf.tidy(() => all.y.sum(1).arraySync() as number[]);
  assert.deepEqual(rowSums, Array(50).fill(1));
  const [lo, hi] = tf.tidy(() => [all.X.min().dataSync()[0], all.X.max().dataSync()[0]]);
  assert.equal(lo, 0);
  assert.equal(hi, 1);
  all.X.dispose();
  all.y.dispose();
  assert.throws(() => imageTensors(test, [50]), RangeError);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("imagePixels() is one image's bytes divided by 255", async () => {
  const test = await loadFashionMnist({ split: "test", limit: 3 });
  const values = imagePixels(test, 2);
  assert.equal(values.length, 784);
  for (let p = 0; p < 784; p++) {
    assert.equal(values[p], Math.fround(test.pixels[2 * 784 + p] / 255));
  }
  assert.throws(() => imagePixels(test, 3), /index must be an integer in \[0, 2\], got 3/);
  assert.throws(() => imagePixels(test, -1), RangeError);
  assert.throws(() => imagePixels(test, "0" as never), TypeError);
});

Deno.test("subsetImages() copies the chosen images in the given order", async () => {
  const test = await loadFashionMnist({ split: "test", limit: 10 });
  const sub = subsetImages(test, [9, 2, 2]);
  assert.equal(sub.count, 3);
  assert.deepEqual(sub.labels, Uint8Array.from([test.labels[9], test.labels[2], test.labels[2]]));
  assert.deepEqual(sub.pixels.subarray(0, 784), test.pixels.subarray(9 * 784, 10 * 784));
  assert.deepEqual(sub.pixels.subarray(784, 1568), test.pixels.subarray(2 * 784, 3 * 784));
  sub.pixels[0] = 255 - test.pixels[9 * 784];
  sub.classNames[0] = "changed";
  assert.notEqual(test.pixels[9 * 784], sub.pixels[0]);
  assert.equal(test.classNames[0], "T-shirt/top");
  assert.throws(
    () => subsetImages(test, [10]),
    /indices\[0\] must be an integer in \[0, 9\], got 10/,
  );
});

Deno.test("splitImages() draws [1000, 1000] from the shipped training set as 100 per class each", async () => {
  const train = await loadFashionMnist();
  const [a, b] = splitImages(train, [1000, 1000], { seed: 1 });
  assert.deepEqual(countLabels(a.labels), Array(10).fill(100));
  assert.deepEqual(countLabels(b.labels), Array(10).fill(100));
  assert.equal(a.height, 28);
  assert.deepEqual(a.classNames, train.classNames);
});

Deno.test("splitImages() draws disjoint sets in file order, the same for the same seed", () => {
  const labels = Array.from({ length: 3000 }, (_, i) => (i * 7 + (i >> 4)) % 10);
  const set = codedSet(labels, 10);
  const parts = splitImages(set, [1000, 500, 1500], { seed: 3 });
  const drawn = parts.map(codes);
  assert.deepEqual(drawn.map((d) => d.length), [1000, 500, 1500]);
  for (const d of drawn) assert.deepEqual(d, d.toSorted((x, y) => x - y), "file order");
  // Disjoint, and together every image once, since the sizes add up to the set.
  const union = drawn.flat().sort((x, y) => x - y);
  assert.deepEqual(union, Array.from({ length: 3000 }, (_, i) => i));
  // Each drawn image keeps its own label.
  parts.forEach((p, k) => drawn[k].forEach((src, i) => assert.equal(p.labels[i], labels[src])));
  // Seeded: the same seed gives the same draws, another seed others.
  assert.deepEqual(splitImages(set, [1000, 500, 1500], { seed: 3 }).map(codes), drawn);
  assert.notDeepEqual(splitImages(set, [1000, 500, 1500], { seed: 4 }).map(codes), drawn);
  // Not just the first images of each class: a draw of 100 is spread over the set.
  const [small] = splitImages(set, [100], { seed: 3 });
  assert.ok(Math.max(...codes(small)) > 1500);
});

Deno.test("splitImages() is class-balanced as far as the classes allow", () => {
  // Classes of 5, 50 and 50 images: 30 + 30 cannot be 10 of each.
  const labels = [...Array(5).fill(0), ...Array(50).fill(1), ...Array(50).fill(2)];
  const set = codedSet(labels, 3);
  for (let seed = 0; seed < 20; seed++) {
    const sizes = [30, 30, 7, 38];
    const parts = splitImages(set, sizes, { seed });
    const left = [5, 50, 50];
    parts.forEach((p, k) => {
      const counts = countLabels(p.labels, 3);
      assert.equal(p.count, sizes[k]);
      // A class gets fewer than another (by more than one) only when it has run out.
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          if (counts[a] < counts[b] - 1) {
            assert.equal(counts[a], left[a], `part ${k}, seed ${seed}`);
          }
        }
      }
      counts.forEach((c, j) => (left[j] -= c));
    });
    assert.deepEqual(left, [0, 0, 0]);
  }
  // The first draw of 30: all 5 of class 0, 12 or 13 of the others.
  const first = countLabels(splitImages(set, [30], { seed: 1 })[0].labels, 3);
  assert.equal(first[0], 5);
  assert.deepEqual([first[1], first[2]].sort(), [12, 13]);
});

Deno.test("missing files name the path and where the kit keeps its data", async () => {
  const dir = tempDir();
  try {
    await assertRejects(
      () => loadFashionMnist({ dir }),
      Error,
      new RegExp(
        `Fashion-MNIST file not found: ${dir}/train-(images|labels)-idx\\d-ubyte\\.gz, nor uncompressed as train-\\1-idx\\d-ubyte .*dir is "${dir}".*data/fashion_mnist`,
      ),
    );
    await assertRejects(
      () => readIdx(`${dir}/nothing.gz`),
      Error,
      new RegExp(`IDX file not found: ${dir}/nothing\\.gz .*data/fashion_mnist/`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readIdx() rejects a wrong magic number, another data type and truncated files", async () => {
  const dir = tempDir();
  const write = (name: string, bytes: Uint8Array) => {
    Deno.writeFileSync(`${dir}/${name}`, bytes);
    return `${dir}/${name}`;
  };
  try {
    const good = idxBytes([3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
    const ok = await readIdx(write("good", good));
    assert.deepEqual(ok.shape, [3, 2, 2]);
    assert.deepEqual(Array.from(ok.data), Array.from({ length: 12 }, (_, i) => i * 20));
    const okGz = await readIdx(write("good.gz", new Uint8Array(gzipSync(good))));
    assert.deepEqual(okGz, ok);

    await assertRejects(
      () => readIdx(write("zip", Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]))),
      RangeError,
      /zip is not an IDX file: it must start with the magic number 00 00 <type> <dims>, got 50 4b 03 04$/,
    );
    await assertRejects(
      () => readIdx(write("empty", new Uint8Array(0))),
      RangeError,
      /not an IDX file.*got an empty file/,
    );
    await assertRejects(
      () => readIdx(write("float", idxBytes([1], [0, 0, 0, 0], 0x0d))),
      RangeError,
      /the IDX data type must be 0x08 \(unsigned byte\), got 0x0d \(32-bit float\)/,
    );
    await assertRejects(
      () => readIdx(write("short", good.subarray(0, good.length - 7))),
      RangeError,
      /short is truncated: its header announces shape \[3, 2, 2\] \(12 bytes of data\), the file holds 5/,
    );
    await assertRejects(
      () => readIdx(write("header", good.subarray(0, 10))),
      RangeError,
      /header is truncated: its IDX header announces 3 dimensions \(16 header bytes\), the file has 10 bytes/,
    );
    await assertRejects(
      () => readIdx(write("long", Uint8Array.from([...good, 1, 2]))),
      RangeError,
      /long has 2 bytes after the data its header announces/,
    );
    const gz = new Uint8Array(gzipSync(good));
    await assertRejects(
      () => readIdx(write("cut.gz", gz.subarray(0, gz.length - 12))),
      RangeError,
      /cut\.gz starts like a gzip file \(1f 8b\) but cannot be decompressed: it is truncated or corrupt/,
    );
    await assertRejects(
      () => readIdx(5 as never),
      TypeError,
      /path must be a non-empty string, got 5/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadFashionMnist() rejects image and label files that disagree", async () => {
  const dir = tempDir();
  const images = idxBytes([3, 2, 2], new Uint8Array(12));
  try {
    Deno.writeFileSync(`${dir}/t10k-images-idx3-ubyte`, images);
    Deno.writeFileSync(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([2], [0, 1]));
    await assertRejects(
      () => loadFashionMnist({ split: "test", dir }),
      RangeError,
      /t10k-labels-idx1-ubyte must hold one label per image of .*t10k-images-idx3-ubyte \(3\), got 2/,
    );
    Deno.writeFileSync(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([3], [0, 10, 1]));
    await assertRejects(
      () => loadFashionMnist({ split: "test", dir }),
      RangeError,
      /label 1 must be a class in \[0, 9\], got 10/,
    );
    Deno.writeFileSync(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([3, 1], [0, 1, 2]));
    await assertRejects(
      () => loadFashionMnist({ split: "test", dir }),
      RangeError,
      /must hold labels, shape \[count\], got shape \[3, 1\]/,
    );
    Deno.writeFileSync(`${dir}/t10k-labels-idx1-ubyte`, idxBytes([3], [0, 1, 2]));
    Deno.writeFileSync(`${dir}/t10k-images-idx3-ubyte`, idxBytes([12], new Uint8Array(12)));
    await assertRejects(
      () => loadFashionMnist({ split: "test", dir }),
      RangeError,
      /must hold images, shape \[count, height, width\], got shape \[12\]/,
    );
    Deno.writeFileSync(`${dir}/t10k-images-idx3-ubyte`, images);
    const set = await loadFashionMnist({ split: "test", dir });
    assert.equal(set.count, 3);
    assert.equal(set.height, 2);
    await assertRejects(
      () => loadFashionMnist({ split: "test", dir, limit: 4 }),
      RangeError,
      /limit must be at most 3 \(the images in .*t10k-images-idx3-ubyte\), got 4/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("misspelt options and bad option values are errors that name them", async () => {
  await assertRejects(
    () => loadFashionMnist({ spilt: "test" } as never),
    TypeError,
    /options has no setting "spilt"; the settings are split, dir, limit/,
  );
  await assertRejects(
    () => loadFashionMnist({ split: "validation" } as never),
    RangeError,
    /split must be one of "train", "test", got "validation"/,
  );
  await assertRejects(
    () => loadFashionMnist({ limit: 0 }),
    RangeError,
    /limit must be a positive integer, got 0/,
  );
  await assertRejects(
    () => loadFashionMnist({ limit: "5" as never }),
    TypeError,
    /limit must be a positive integer, got "5"/,
  );
  await assertRejects(
    () => loadFashionMnist({ dir: 5 as never }),
    TypeError,
    /dir must be a non-empty string, got 5/,
  );
  await assertRejects(
    () => loadFashionMnist("test" as never),
    TypeError,
    /options must be an object, got "test"/,
  );

  const set = codedSet([0, 1, 0, 1, 0, 1], 2);
  assert.throws(
    () => splitImages(set, [2], { sead: 1 } as never),
    /options has no setting "sead"; the settings are seed/,
  );
  assert.throws(() => splitImages(set, [2], { seed: 1.5 }), /seed must be an integer, got 1.5/);
  assert.throws(
    () => splitImages(set, [4, 3], { seed: 1 }),
    /sizes must add up to at most the 6 images of set, got 4 \+ 3 = 7/,
  );
  assert.throws(
    () => splitImages(set, [2, 0], { seed: 1 }),
    /sizes\[1\] must be a positive integer, got 0/,
  );
  assert.throws(() => splitImages(set, [], { seed: 1 }), /sizes must be a non-empty array/);
  assert.throws(
    () => imageTensors({ ...set, pixels: new Uint8Array(5) }),
    /set.pixels must hold count·height·width = 6·1·2 = 12 bytes, got 5/,
  );
  assert.throws(
    () => classCounts({ ...set, labels: Uint8Array.from([0, 1, 2, 0, 1, 0]) }),
    /set.labels\[2\] must be a class in \[0, 1\], got 2/,
  );
  assert.throws(() => classCounts(null as never), /set must be an object, got null/);
});
