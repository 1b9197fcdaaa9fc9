// A digit read by its pen's path, as mnistdemo/pen_path.py reads it (that file stays the reference): the strokes
// joined in drawing order, centred, scaled to their longer side and resampled evenly along their length; the
// nearest of the tuning writers' digits (site.json's pen_path, their paths in pen_path.bin) vote.

/** Strokes (lists of [x, y] canvas pixels, y down, in drawing order) -> Float64Array of `points` (x, y) pairs. */
export function path(strokes, points) {
  const xs = [], ys = [];
  for (const stroke of strokes) {
    for (const [x, y] of stroke) {
      xs.push(x);
      ys.push(-y); // the pen data's y points up
    }
  }
  let [lowX, highX, lowY, highY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < xs.length; i++) { // not Math.min(...xs): a long scribble would overflow the call stack
    lowX = Math.min(lowX, xs[i]);
    highX = Math.max(highX, xs[i]);
    lowY = Math.min(lowY, ys[i]);
    highY = Math.max(highY, ys[i]);
  }
  const scale = Math.max(highX - lowX, highY - lowY, 1e-6);
  const cx = (lowX + highX) / 2, cy = (lowY + highY) / 2;
  for (let i = 0; i < xs.length; i++) {
    xs[i] = (xs[i] - cx) / scale;
    ys[i] = (ys[i] - cy) / scale;
  }
  const along = [0];
  for (let i = 1; i < xs.length; i++) along.push(along[i - 1] + Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]));
  const total = along[along.length - 1];
  const out = new Float64Array(2 * points);
  for (let k = 0; k < points; k++) {
    const at = k === points - 1 ? total : (total / (points - 1)) * k;
    out[2 * k] = interp(at, along, xs);
    out[2 * k + 1] = interp(at, along, ys);
  }
  return out;
}

// numpy.interp for `at` within [along[0], along[-1]]: the last knot at or before it, and the segment after.
function interp(at, along, values) {
  let lo = 0, hi = along.length - 1;
  while (lo < hi) { // the largest j with along[j] <= at
    const mid = (lo + hi + 1) >> 1;
    if (along[mid] <= at) lo = mid; else hi = mid - 1;
  }
  if (lo >= along.length - 1) return values[along.length - 1];
  const slope = (values[lo + 1] - values[lo]) / (along[lo + 1] - along[lo]);
  return slope * (at - along[lo]) + values[lo];
}

/** A path and the examples ({paths: Int16Array, scale, labels, neighbours}) -> Float64Array(10): each class's
 * share among the path's nearest examples. */
export function votes(p, examples) {
  const { paths, scale, labels, neighbours } = examples;
  const size = p.length;
  const distances = new Float64Array(labels.length);
  for (let n = 0; n < labels.length; n++) {
    let sum = 0;
    for (let i = 0; i < size; i++) {
      const d = p[i] - paths[n * size + i] / scale;
      sum += d * d;
    }
    distances[n] = sum;
  }
  const order = Array.from(distances.keys()).sort((a, b) => distances[a] - distances[b]);
  const out = new Float64Array(10);
  for (const n of order.slice(0, neighbours)) out[labels[n]] += 1 / neighbours;
  return out;
}

/** A network's probabilities and the votes -> the reading of both: (1 - weight) * probabilities + weight * votes. */
export function mix(probabilities, voted, weight) {
  return probabilities.map((p, i) => (1 - weight) * p + weight * voted[i]);
}
