// Runs the page's preprocessing (mnistdemo/web/preprocess.js) in Node for tests/test_web_parity.py.
// Usage: node preprocess_node.mjs HEADER.json IMAGES.rgba OUT.f32 [STEPS.json]
// HEADER: {width, height, count, spec}; IMAGES: count RGBA images, row-major bytes; OUT: count
// float32 images of spec.size^2 (NaN where no ink was found). STEPS, if named, gets each image's
// intermediate steps as nested arrays, for finding where a mismatch starts.
import { readFileSync, writeFileSync } from "node:fs";
import { preprocessSteps } from "../mnistdemo/web/preprocess.js";

const [headerPath, imagesPath, outPath, stepsPath] = process.argv.slice(2);
const { width, height, count, spec } = JSON.parse(readFileSync(headerPath, "utf8"));
const images = readFileSync(imagesPath);
const pixels = spec.size * spec.size;
const out = new Float32Array(count * pixels).fill(NaN);
const allSteps = [];
const started = performance.now();
for (let n = 0; n < count; n++) {
  const rgba = images.subarray(n * width * height * 4, (n + 1) * width * height * 4);
  const steps = preprocessSteps(rgba, width, height, spec);
  if (steps) out.set(steps.image.data, n * pixels);
  if (stepsPath) {
    const rows = (im) => im && Array.from({ length: im.height }, (_, y) => Array.from(im.data.subarray(y * im.width, (y + 1) * im.width)));
    allSteps.push(steps && Object.fromEntries(Object.entries(steps).filter(([k]) => k !== "gray").map(([k, im]) => [k, rows(im)])));
  }
}
const ms = (performance.now() - started) / Math.max(count, 1);
writeFileSync(outPath, Buffer.from(out.buffer));
if (stepsPath) writeFileSync(stepsPath, JSON.stringify(allSteps));
console.log(JSON.stringify({ count, ms_per_image: ms }));
