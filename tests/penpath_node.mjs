// Runs the page's pen-path reader (mnistdemo/web/penpath.js) in Node for tests/test_web_parity.py.
// Usage: node penpath_node.mjs SITE_DIR DRAWINGS.json OUT.json
// DRAWINGS: a list of drawings, each a list of strokes of [x, y] canvas pixels; OUT: {paths, votes}, one each.
import { readFileSync, writeFileSync } from "node:fs";
import { path, votes } from "../mnistdemo/web/penpath.js";

const [siteDir, drawingsPath, outPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(`${siteDir}/site.json`, "utf8")).pen_path;
const bytes = readFileSync(`${siteDir}/${spec.file}`);
const examples = { ...spec, paths: new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) };
const drawings = JSON.parse(readFileSync(drawingsPath, "utf8"));
const paths = drawings.map((strokes) => path(strokes, spec.points));
writeFileSync(outPath, JSON.stringify({
  paths: paths.map((p) => Array.from(p)),
  votes: paths.map((p) => Array.from(votes(p, examples))),
}));
