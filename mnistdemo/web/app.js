// The page: draw on #sketch; on every pen-up the drawing is prepared as MNIST's digits were
// (preprocess.js), the chosen ONNX model reads it in ONNX Runtime Web, a digit also by its pen's path
// (penpath.js, unless #pen-path is unticked), and #reading shows the answer; #verdict says "Not a digit?" where
// the "is it a digit?" network (models/is_digit.onnx) finds that a drawing looks like no digit, as the app does.
// Nothing leaves the browser: the runtime, the models and site.json come from this page's folder.

import * as ort from "./ort/ort.wasm.bundle.min.js";
import { drawingPad } from "./pad.js";
import { mix, path, votes } from "./penpath.js";
import { preprocess } from "./preprocess.js";
import { TEXTS, className, defaultLanguage } from "./texts.js";

const sketch = document.getElementById("sketch");
const pad = drawingPad(sketch, () => requestReading(performance.now()));
const reading = document.getElementById("reading");
const verdict = document.getElementById("verdict");
const seen = document.getElementById("seen");
const bars = document.getElementById("probabilities");
const modelChoice = document.getElementById("model");
const languageChoice = document.getElementById("language");
const penPathBox = document.getElementById("pen-path");

const state = {
  pad, // the strokes drawn (pad.js)
  models: [],
  model: null,
  penPath: null, // the tuning writers' pen paths ({paths, scale, labels, points, neighbours, weight}), once loaded
  detector: null, // the "is it a digit?" network ({file, input, output, above}), if the site has one
  lang: "en",
  last: null, // {model, probabilities, strokes, withPath, notADigit} of the reading shown
  timings: [], // per reading: ms from pen-up to it, of which preprocessing and the model (bench/web_page.py)
};
window.mnistdemo = state;

// Clear on the finger's or mouse button's release: right after drawing, a phone's browser does not turn
// every tap into a click (Chromium dropped most such clicks in tests/test_browser_static_site.py). The
// click still clears for the keyboard; a second clear of an empty canvas changes nothing.
const clearButton = document.getElementById("clear");
clearButton.addEventListener("pointerup", pad.clear);
clearButton.addEventListener("click", pad.clear);

// Readings run one at a time; strokes that end meanwhile are read together once it is done.
let busy = false;
let queued = null;
async function requestReading(since) {
  queued = since;
  if (busy) return;
  busy = true;
  try {
    while (queued !== null) {
      const start = queued;
      queued = null;
      await read(start);
    }
  } catch (error) {
    showText(TEXTS[state.lang].failed + error.message, "error");
  } finally {
    busy = false;
  }
}

async function read(start) {
  await siteLoaded;
  const model = state.model;
  const session = await sessionOf(model); // loads it on first use
  const strokes = pad.strokes.length;
  const { width, height } = sketch;
  const image = strokes ? preprocess(pad.pen.getImageData(0, 0, width, height).data, width, height, model.spec) : null;
  const prepared = performance.now();
  showSeen(image, model.spec.size);
  if (!image) {
    state.last = null;
    showEmpty(strokes);
    return;
  }
  const input = new ort.Tensor("float32", image, [1, model.spec.size, model.spec.size, 1]);
  const ran = performance.now();
  const output = await session.run({ [model.input]: input });
  let probabilities = Array.from(output[model.output].data);
  const withPath = model.dataset === "mnist" && state.penPath !== null && penPathBox.checked;
  if (withPath) { // the strokes in whole pixels, as the app's canvas sends them
    const drawn = pad.strokes.map((points) => points.map((point) => point.map(Math.round)));
    probabilities = mix(probabilities, votes(path(drawn, state.penPath.points), state.penPath), state.penPath.weight);
  }
  const notADigit = model.dataset === "mnist" && await looksLikeNoDigit(input);
  const answered = performance.now();
  state.last = { model, probabilities, strokes, withPath, notADigit };
  showReading();
  const ms = performance.now() - start;
  state.timings.push({ ms, preprocess: prepared - start, model: answered - ran });
  reading.dataset.ms = ms.toFixed(2);
}

// Over the threshold the app uses, the drawing looks like no digit. Without the network (an older site, or its
// file missing) there is no such verdict, and the page still reads digits.
async function looksLikeNoDigit(input) {
  const detector = state.detector;
  if (!detector) return false;
  try {
    const output = await sessionOf(detector).then((session) => session.run({ [detector.input]: input }));
    return output[detector.output].data[0] > detector.above;
  } catch {
    state.detector = null;
    return false;
  }
}

function showSeen(image, size) {
  const pixels = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = image ? Math.round(image[i] * 255) : 0;
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  seen.width = seen.height = size;
  seen.getContext("2d").putImageData(pixels, 0, 0);
}

function showText(text, kind) {
  reading.textContent = text;
  reading.className = kind;
  verdict.hidden = true;
}

function showEmpty(strokes) {
  showText(TEXTS[state.lang].draw[state.model.dataset], "empty");
  reading.dataset.strokes = strokes;
  bars.replaceChildren();
}

function showReading() {
  const { model, probabilities, strokes } = state.last;
  const top = probabilities.indexOf(Math.max(...probabilities));
  const percent = (p) => `${(100 * p).toFixed(p >= 0.995 || p < 0.005 ? 0 : 1)}%`;
  const name = document.createElement("span");
  name.className = "top";
  name.textContent = className(model.classNames[top], state.lang);
  const share = document.createElement("span");
  share.className = "share";
  share.textContent = percent(probabilities[top]);
  reading.replaceChildren(name, " ", share);
  reading.className = state.last.notADigit ? "answer doubted" : "answer"; // the app hides its headline then
  reading.dataset.strokes = strokes;
  verdict.textContent = TEXTS[state.lang].notADigit;
  verdict.hidden = !state.last.notADigit;
  bars.replaceChildren(...probabilities.map((p, i) => {
    const row = document.createElement("li");
    row.className = i === top ? "top" : "";
    const label = document.createElement("span");
    label.textContent = className(model.classNames[i], state.lang);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.setProperty("--share", p.toFixed(4));
    const value = document.createElement("span");
    value.textContent = percent(p);
    row.append(label, bar, value);
    return row;
  }));
}

// Languages: the browser's by default; the choice re-words everything shown, the reading included.
function applyLanguage(lang) {
  state.lang = lang;
  languageChoice.value = lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  const texts = TEXTS[lang];
  for (const element of document.querySelectorAll("[data-text]")) {
    const text = texts[element.dataset.text];
    if (typeof text === "string") element.textContent = text;
  }
  document.title = `mnistdemo: ${texts.title}`;
  for (const option of modelChoice.options) {
    const model = state.models[Number(option.value)];
    const arch = model.name.endsWith(`-${model.dataset}`) ? model.name.slice(0, -model.dataset.length - 1) : model.name;
    option.textContent = `${texts.datasets[model.dataset]} · ${arch}`;
  }
  if (reading.className === "loading") showText(texts.loading, "loading");
  else if (reading.className === "empty") showEmpty(pad.strokes.length);
  else if (reading.classList.contains("answer")) showReading();
}

function sessionOf(model) {
  model.session ??= runtimeLoaded.then(() => ort.InferenceSession.create(model.file, { executionProviders: ["wasm"] }));
  return model.session;
}

// ONNX Runtime's WebAssembly binary ships gzipped (14 MB -> 3.7 MB); the browser unzips it.
async function loadRuntime() {
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which plain static hosts do not give
  const response = await fetch("ort/ort-wasm-simd-threaded.wasm.gz");
  if (!response.ok) throw new Error(`ort-wasm-simd-threaded.wasm.gz: HTTP ${response.status}`);
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) { // unless the server already unzipped it
    const unzipped = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(unzipped).arrayBuffer());
  }
  ort.env.wasm.wasmBinary = bytes;
}

// site.json (written by export-web): the models, the brush and canvas of the app, the full app's address.
async function loadSite() {
  const response = await fetch("site.json");
  if (!response.ok) throw new Error(`site.json: HTTP ${response.status}`);
  const site = await response.json();
  pad.brushRadius = site.brush_radius;
  sketch.width = sketch.height = site.canvas_size;
  document.getElementById("full-app").href = site.app_url;
  state.models = site.models.map((m) => ({ ...m, classNames: m.class_names }));
  state.detector = site.detector ?? null;
  if (state.detector) sessionOf(state.detector).catch(() => {}); // loads beside the digit model, not with a reading
  modelChoice.replaceChildren(...state.models.map((_, i) => new Option("", String(i))));
  state.model = state.models[0];
  applyLanguage(state.lang);
  pad.paint();
  state.penPath = await loadPenPath(site.pen_path); // the canvas and the choices need not wait for it; a reading does
}

// The pen paths the page reads a digit's path against; without them it reads the picture alone.
async function loadPenPath(spec) {
  if (!spec) return null;
  const response = await fetch(spec.file);
  if (!response.ok) return null;
  const paths = new Int16Array(await response.arrayBuffer()); // little-endian, as every browser's Int16Array
  return { ...spec, paths };
}

function savedLanguage() {
  try { return localStorage.getItem("mnistdemo-language"); } catch { return null; } // storage may be off
}

languageChoice.addEventListener("change", () => {
  try { localStorage.setItem("mnistdemo-language", languageChoice.value); } catch { /* storage may be off */ }
  applyLanguage(languageChoice.value);
});
penPathBox.addEventListener("change", () => requestReading(performance.now()));
modelChoice.addEventListener("change", () => {
  state.model = state.models[Number(modelChoice.value)];
  state.last = null;
  showText(TEXTS[state.lang].loading, "loading");
  requestReading(performance.now());
});

// Ready to draw at once; the model loads meanwhile.
applyLanguage(savedLanguage() in TEXTS ? savedLanguage() : defaultLanguage([navigator.language ?? "en"]));
showText(TEXTS[state.lang].loading, "loading");
const siteLoaded = loadSite();
const runtimeLoaded = loadRuntime();
requestReading(performance.now()); // says 'Draw a digit' once the model is loaded, or why it is not
