// The page's port of mnistdemo/preprocess.py: a canvas's RGBA pixels -> the 28 x 28 a model reads.
//
// Python is the reference; tests/test_web_parity.py runs this module in Node on rendered pen digits and
// compares it step by step. Each function follows the OpenCV or NumPy call it stands for, down to
// NumPy 2's float32 arithmetic where a comparison or a rounding depends on it (Math.fround), so that
// thresholds fall on the same pixels. Images are {width, height, data: Float32Array}, row-major.
//
// `spec` is what export-web writes for each model: {kind: "mnist_box" | "fashion_fit", size, box,
// centre_of_mass: [row, col], stroke_width, bbox_min_ink, min_contrast}.

const f32 = Math.fround;
const SQRT2_F32 = f32(Math.SQRT2); // cv2.arcLength adds float square roots

function newImage(width, height) {
  return { width, height, data: new Float32Array(width * height) };
}

// Python's round(): to the nearest integer, halves to even.
function roundHalfEven(x) {
  const r = Math.round(x); // halves go up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function median(values) {
  const s = Float32Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : f32(f32(s[n / 2 - 1] + s[n / 2]) / 2);
}

// np.percentile(values, q), its default linear interpolation.
function percentile(values, q) {
  const s = values.slice().sort();
  const index = (q / 100) * (s.length - 1);
  const low = Math.floor(index);
  const high = Math.min(low + 1, s.length - 1);
  return f32(s[low] + (s[high] - s[low]) * (index - low));
}

/** Canvas RGBA bytes -> grey in [0, 1], 1 = white, transparency composited onto white (load_image). */
export function grayFromRGBA(rgba, width, height) {
  const gray = newImage(width, height);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    // cv2's RGB -> grey is exact for grey pixels (all the canvas draws); colours may differ by 1/255.
    let y = (rgba[j] * 19595 + rgba[j + 1] * 38470 + rgba[j + 2] * 7471 + 32768) >> 16;
    const a = rgba[j + 3];
    if (a !== 255) y = 255 - Math.round(((255 - y) * a) / 255);
    gray.data[i] = y / 255;
  }
  return gray;
}

// cv2.threshold(..., THRESH_OTSU) on 8-bit values: the level that best splits their histogram.
function otsuLevel(hist, count) {
  const scale = 1 / count;
  let mu = 0;
  for (let i = 0; i < 256; i++) mu += i * hist[i];
  mu *= scale;
  let mu1 = 0, q1 = 0, best = 0, level = 0;
  const eps = 1.1920928955078125e-7; // FLT_EPSILON
  for (let i = 0; i < 256; i++) {
    const p = hist[i] * scale;
    mu1 *= q1;
    q1 += p;
    const q2 = 1 - q1;
    if (Math.min(q1, q2) < eps || Math.max(q1, q2) > 1 - eps) continue;
    mu1 = (mu1 + i * p) / q1;
    const mu2 = (mu - q1 * mu1) / q2;
    const sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
    if (sigma > best) [best, level] = [sigma, i];
  }
  return level;
}

/** Grey image -> ink in [0, 1], 1 = full ink, or null where there is no ink (preprocess.ink_mask). */
export function inkMask(gray, spec) {
  const { width: w, height: h, data } = gray;
  const border = [];
  for (let x = 0; x < w; x++) border.push(data[x]);
  for (let x = 0; x < w; x++) border.push(data[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) border.push(data[y * w]);
  for (let y = 0; y < h; y++) border.push(data[y * w + w - 1]);
  const light = median(border) >= 0.5;
  const ink = newImage(w, h);
  const hist = new Float64Array(256);
  for (let i = 0; i < w * h; i++) {
    ink.data[i] = light ? 1 - data[i] : data[i];
    hist[roundHalfEven(f32(ink.data[i] * 255))]++;
  }
  const edge = light ? border.map((v) => f32(1 - v)) : border;
  const background = median(edge);
  const noise = 1.4826 * median(edge.map((v) => Math.abs(f32(v - background))));
  const cut = f32(Math.max(otsuLevel(hist, w * h) / 255, background));
  let count = 0;
  for (let i = 0; i < w * h; i++) count += ink.data[i] > cut ? 1 : 0;
  const strokes = new Float32Array(count);
  for (let i = 0, j = 0; i < w * h; i++) if (ink.data[i] > cut) strokes[j++] = ink.data[i];
  const peak = strokes.length ? percentile(strokes, 90) : background;
  if (peak - background < spec.min_contrast) return null;
  const floor = Math.min(background + 3 * noise, (background + peak) / 2);
  const [low, range] = [f32(floor), f32(peak - floor)];
  if (low === 0 && range === 1) return ink; // already in [0, 1]: nothing to stretch (a clean canvas)
  for (let i = 0; i < w * h; i++) ink.data[i] = Math.min(Math.max(f32(f32(ink.data[i] - low) / range), 0), 1);
  return ink;
}

/** Ink -> its crop to the box of pixels above bbox_min_ink, or null if there are none. */
export function cropToInk(ink, spec) {
  const { width: w, height: h, data } = ink;
  const cut = f32(spec.bbox_min_ink);
  let [left, top, right, bottom] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[y * w + x] > cut) {
        left = Math.min(left, x); right = Math.max(right, x);
        top = Math.min(top, y); bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const crop = newImage(right - left + 1, bottom - top + 1);
  for (let y = 0; y < crop.height; y++) {
    crop.data.set(data.subarray((top + y) * w + left, (top + y) * w + right + 1), y * crop.width);
  }
  return crop;
}

// cv2.resize's INTER_AREA weights along one axis: for each output pixel, [source index, weight] pairs.
function areaWeights(sourceSize, size) {
  const scale = 1 / (size / sourceSize);
  const table = [];
  for (let d = 0; d < size; d++) {
    const start = d * scale, end = start + scale;
    const cell = Math.min(scale, sourceSize - start);
    let first = Math.ceil(start);
    const last = Math.min(Math.floor(end), sourceSize - 1);
    first = Math.min(first, last);
    const row = [];
    if (first - start > 1e-3) row.push([first - 1, f32((first - start) / cell)]);
    for (let s = first; s < last; s++) row.push([s, f32(1 / cell)]);
    if (end - last > 1e-3) row.push([last, f32(Math.min(end - last, 1, cell) / cell)]);
    table.push(row);
  }
  return table;
}

// cv2.resize's INTER_LINEAR taps along one axis (float images): [low index, high index, weight of high].
function linearTaps(sourceSize, size, inverseScale) {
  const scale = 1 / inverseScale;
  const taps = [];
  for (let d = 0; d < size; d++) {
    let f = f32((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = f32(f - s);
    if (s < 0) [s, f] = [0, 0];
    if (s >= sourceSize - 1) [s, f] = [sourceSize - 1, 0];
    taps.push([s, Math.min(s + 1, sourceSize - 1), f]);
  }
  return taps;
}

// Separable resampling: each output pixel is a weighted sum of source pixels, rows then columns.
function resample(src, width, height, columns, rows) {
  const out = newImage(width, height);
  const line = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const acc = new Float64Array(width);
    for (const [sy, beta] of rows[y]) {
      const offset = sy * src.width;
      line.fill(0);
      for (let x = 0; x < width; x++) {
        for (const [sx, alpha] of columns[x]) line[x] += src.data[offset + sx] * alpha;
      }
      for (let x = 0; x < width; x++) acc[x] += beta * line[x];
    }
    out.data.set(acc, y * width);
  }
  return out;
}

function resizeArea(src, width, height) {
  return resample(src, width, height, areaWeights(src.width, width), areaWeights(src.height, height));
}

function resizeLinear(src, width, height, inverseScaleX, inverseScaleY) {
  const pairs = (taps) => taps.map(([low, high, f]) => (f ? [[low, f32(1 - f)], [high, f]] : [[low, 1]]));
  const columns = pairs(linearTaps(src.width, width, inverseScaleX));
  const rows = pairs(linearTaps(src.height, height, inverseScaleY));
  return resample(src, width, height, columns, rows);
}

/** Crop -> its longest side `side` px, aspect kept: INTER_AREA to shrink, INTER_LINEAR to enlarge. */
export function fitLongestSide(crop, side) {
  const scale = side / Math.max(crop.width, crop.height);
  const width = Math.max(1, roundHalfEven(crop.width * scale));
  const height = Math.max(1, roundHalfEven(crop.height * scale));
  let fitted;
  if (width === crop.width && height === crop.height) fitted = { ...crop, data: crop.data.slice() };
  else if (scale < 1) fitted = resizeArea(crop, width, height);
  else fitted = resizeLinear(crop, width, height, width / crop.width, height / crop.height);
  fitted.data.set(fitted.data.map((v) => Math.min(Math.max(v, 0), 1)));
  return fitted;
}

// Chain steps of the 8 neighbours, counter-clockwise on screen from east (y grows downwards).
const STEPS = [[1, 0], [1, -1], [0, -1], [-1, -1], [-1, 0], [-1, 1], [0, 1], [1, 1]];

// Total length of every border of a 0/1 mask as cv2.findContours (RETR_LIST, CHAIN_APPROX_NONE)
// traces them (Suzuki & Abe's border following) and cv2.arcLength(closed) measures them.
function outlineLength(mask, width, height) {
  const w = width + 2; // a zero frame, as findContours adds
  const f = new Int32Array(w * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) f[(y + 1) * w + x + 1] = mask[y * width + x];
  }
  const offsets = STEPS.map(([dx, dy]) => dy * w + dx);
  const direction = (from, to) => offsets.indexOf(to - from);
  let label = 1, total = 0;
  for (let y = 1; y <= height; y++) {
    for (let x = 1; x <= width; x++) {
      const p = y * w + x;
      let previous;
      if (f[p] === 1 && f[p - 1] === 0) previous = p - 1; // an outer border starts here
      else if (f[p] >= 1 && f[p + 1] === 0) previous = p + 1; // a hole's border starts here
      else continue;
      label++;
      total += followBorder(f, p, previous, offsets, direction, label);
    }
  }
  return total;
}

function followBorder(f, start, previous, offsets, direction, label) {
  // Clockwise from the zero pixel we came from, the first ink pixel is the border's last one.
  const d0 = direction(start, previous);
  let last = -1;
  for (let k = 0; k < 8 && last < 0; k++) {
    const q = start + offsets[(d0 - k + 8) % 8];
    if (f[q] !== 0) last = q;
  }
  if (last < 0) {
    f[start] = -label; // a single pixel: a one-point contour of length 0
    return 0;
  }
  let [from, here, length] = [last, start, 0];
  for (;;) {
    // Counter-clockwise from the pixel we came from, the first ink pixel is the next one.
    const d = direction(here, from);
    let next = -1, eastExamined = false, step = 0;
    for (let k = 1; k <= 8; k++) {
      step = (d + k) % 8;
      const q = here + offsets[step];
      if (f[q] !== 0) { next = q; break; }
      if (step === 0) eastExamined = true;
    }
    if (eastExamined) f[here] = -label;
    else if (f[here] === 1) f[here] = label;
    length += step % 2 ? SQRT2_F32 : 1;
    if (next === start && here === last) return length;
    [from, here] = [here, next];
  }
}

/** Ink -> mean stroke width in px, 2 x ink area / outline length (preprocess.stroke_width). */
export function strokeWidth(ink) {
  const factor = Math.ceil(100 / Math.max(ink.width, ink.height));
  if (factor > 1) ink = resizeLinear(ink, ink.width * factor, ink.height * factor, factor, factor);
  const mask = ink.data.map((v) => (v > 0.5 ? 1 : 0));
  const outline = outlineLength(mask, ink.width, ink.height);
  const area = ink.data.reduce((sum, v) => sum + v, 0);
  return (2 * area) / Math.max(outline, 1) / factor;
}

// Squared Euclidean distance transform along one line (Felzenszwalb & Huttenlocher), in place;
// `v`, `z` and `out` are scratch buffers at least n (n + 1 for z) long.
function distanceLine(g, n, v, z, out) {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (g[q] === Infinity) continue;
    let s = -Infinity;
    while (k >= 0) {
      s = (g[q] + q * q - (g[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      if (s > z[k]) break;
      k--;
    }
    if (k < 0) s = -Infinity;
    k++;
    v[k] = q; z[k] = s; z[k + 1] = Infinity;
  }
  if (k < 0) return; // no zero on this line: all stay Infinity
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    out[q] = (q - v[k]) * (q - v[k]) + g[v[k]];
  }
  for (let q = 0; q < n; q++) g[q] = out[q];
}

// cv2.distanceTransform(DIST_L2, DIST_MASK_PRECISE): each pixel's exact distance to the nearest
// pixel whose `mask` value is `zero` (0 there; Infinity when there is none).
function distanceTransform(mask, width, height, zero) {
  const d = new Float64Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] === zero ? 0 : Infinity;
  const n = Math.max(width, height);
  const [line, v, z, out] = [new Float64Array(n), new Int32Array(n), new Float64Array(n + 1), new Float64Array(n)];
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = d[y * width + x];
    distanceLine(line, height, v, z, out);
    for (let y = 0; y < height; y++) d[y * width + x] = line[y];
  }
  for (let y = 0; y < height; y++) distanceLine(d.subarray(y * width, (y + 1) * width), width, v, z, out);
  const distance = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) distance[i] = Math.sqrt(d[i]);
  return distance;
}

/** Ink cropped to the digit -> its strokes grown or thinned to `width` px (preprocess._even_strokes). */
export function evenStrokes(cropped, width, spec) {
  const change = (width - strokeWidth(cropped)) / 2; // per side
  if (Math.abs(change) < 0.5) return cropped;
  const pad = Math.ceil(Math.max(change, 0)) + 1;
  const ink = newImage(cropped.width + 2 * pad, cropped.height + 2 * pad);
  for (let y = 0; y < cropped.height; y++) {
    ink.data.set(cropped.data.subarray(y * cropped.width, (y + 1) * cropped.width), (y + pad) * ink.width + pad);
  }
  const core = new Uint8Array(ink.data.length);
  for (let i = 0; i < core.length; i++) core[i] = ink.data[i] > 0.5 ? 1 : 0;
  const clip = (v) => Math.min(Math.max(v, 0), 1);
  if (change > 0) {
    const outside = distanceTransform(core, ink.width, ink.height, 1);
    const reach = f32(change + 0.5);
    for (let i = 0; i < core.length; i++) ink.data[i] = Math.max(ink.data[i], clip(f32(reach - outside[i])));
  } else {
    const inside = distanceTransform(core, ink.width, ink.height, 0);
    const shift = f32(change);
    for (let i = 0; i < core.length; i++) ink.data[i] = Math.min(ink.data[i], clip(f32(f32(inside[i] + shift) + 0.5)));
  }
  return cropToInk(ink, spec) ?? cropped;
}

// MNIST's recipe: even the strokes, fit the longest side to `box`, shift whole pixels so that the
// centre of mass lands on `centre_of_mass`, never pushing ink out of the frame.
function mnistBox(cropped, spec, steps) {
  const { box, size, centre_of_mass: [rowTarget, colTarget] } = spec;
  let source = cropped;
  if (spec.stroke_width) {
    const width = (spec.stroke_width * Math.max(cropped.width, cropped.height)) / box; // the width at `size`, at crop scale
    source = steps.even = evenStrokes(cropped, width, spec);
  }
  const fitted = steps.fitted = fitLongestSide(source, box);
  let mass = 0, rowMass = 0, colMass = 0;
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) {
      const v = fitted.data[y * fitted.width + x];
      mass += v; rowMass += v * y; colMass += v * x;
    }
  }
  const clip = (v, high) => Math.min(Math.max(v, 0), high);
  const dx = clip(roundHalfEven(colTarget - colMass / mass), size - fitted.width);
  const dy = clip(roundHalfEven(rowTarget - rowMass / mass), size - fitted.height);
  return place(fitted, size, dx, dy);
}

function place(fitted, size, left, top) {
  const out = newImage(size, size);
  for (let y = 0; y < fitted.height; y++) {
    out.data.set(fitted.data.subarray(y * fitted.width, (y + 1) * fitted.width), (y + top) * size + left);
  }
  return out;
}

// Fashion-MNIST's: the longest side fills the frame, the box centred.
function fashionFit(cropped, spec, steps) {
  const fitted = steps.fitted = fitLongestSide(cropped, spec.size);
  const [left, top] = [fitted.width, fitted.height].map((side) => Math.floor((spec.size - side) / 2));
  return place(fitted, spec.size, left, top);
}

/** RGBA canvas bytes -> {gray, ink, cropped, [even], fitted, image}: image is the size x size input,
 *  light ink on black; null when the canvas holds no ink. */
export function preprocessSteps(rgba, width, height, spec) {
  const steps = { gray: grayFromRGBA(rgba, width, height) };
  steps.ink = inkMask(steps.gray, spec);
  steps.cropped = steps.ink && cropToInk(steps.ink, spec);
  if (!steps.cropped) return null;
  const fit = { mnist_box: mnistBox, fashion_fit: fashionFit }[spec.kind];
  if (!fit) throw new Error(`unknown preprocessing ${spec.kind}`);
  steps.image = fit(steps.cropped, spec, steps);
  return steps;
}

/** RGBA canvas bytes -> Float32Array(size * size) in [0, 1], light ink on black; null without ink. */
export function preprocess(rgba, width, height, spec) {
  const steps = preprocessSteps(rgba, width, height, spec);
  return steps && steps.image.data;
}
