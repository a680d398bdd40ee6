/**
 * A small PNG decoder for the browser test's screenshots (8-bit greyscale, RGB or RGBA,
 * non-interlaced: what Chromium's screenshots are), and pixel statistics on the result.
 *
 * @module
 */

/** Decoded pixels, four bytes (RGBA) per pixel, row by row. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

async function _inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function _paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Decodes a PNG file.
 *
 * @param png The file's bytes.
 * @returns Its pixels as RGBA.
 * @throws TypeError for files that are not PNG or use a layout this decoder does not read.
 */
export async function decodePng(png: Uint8Array): Promise<Pixels> {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => png[i] === b)) {
    throw new TypeError("png must start with the PNG signature");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      const bitDepth = data[8];
      colorType = data[9];
      const interlace = data[12];
      if (bitDepth !== 8 || ![0, 2, 6].includes(colorType) || interlace !== 0) {
        throw new TypeError(
          `png must be 8-bit grey, RGB or RGBA, non-interlaced, got depth ${bitDepth}, ` +
            `colour type ${colorType}, interlace ${interlace}`,
        );
      }
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length;
  }
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let at = 0;
  for (const d of idat) {
    joined.set(d, at);
    at += d.length;
  }
  const raw = await _inflate(joined);
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1;
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.slice(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? line[x - channels] : 0;
      const up = previous[x];
      const upLeft = x >= channels ? previous[x - channels] : 0;
      let value = line[x];
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) value += _paeth(left, up, upLeft);
      line[x] = value & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (channels === 1) {
        out[o] = out[o + 1] = out[o + 2] = line[x];
        out[o + 3] = 255;
      } else {
        out[o] = line[x * channels];
        out[o + 1] = line[x * channels + 1];
        out[o + 2] = line[x * channels + 2];
        out[o + 3] = channels === 4 ? line[x * channels + 3] : 255;
      }
    }
    previous = line;
  }
  return { width, height, rgba: out };
}

/**
 * Luminance statistics of a rectangle of pixels: the variance of the luminance and the share
 * of pixels that differ from the rectangle's most common colour.
 *
 * @param pixels Decoded pixels.
 * @param box The rectangle (clipped to the image). @default the whole image
 * @returns The variance (0 for a blank area) and the share of non-background pixels.
 */
export function pixelStats(
  pixels: Pixels,
  box: { x: number; y: number; width: number; height: number } = {
    x: 0,
    y: 0,
    width: pixels.width,
    height: pixels.height,
  },
): { variance: number; inkShare: number; count: number } {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(pixels.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(pixels.height, Math.ceil(box.y + box.height));
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  const counts = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const o = (y * pixels.width + x) * 4;
      const r = pixels.rgba[o];
      const g = pixels.rgba[o + 1];
      const b = pixels.rgba[o + 2];
      const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      n++;
      sum += lum;
      sumSq += lum * lum;
      const key = (r << 16) | (g << 8) | b;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  if (n === 0) return { variance: 0, inkShare: 0, count: 0 };
  const mean = sum / n;
  const background = Math.max(...counts.values());
  return { variance: sumSq / n - mean * mean, inkShare: 1 - background / n, count: n };
}
