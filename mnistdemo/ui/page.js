// Runs once when the page loads (launch(js=...)).
(() => {
  // Whole numbers: no flashing partial readings. From the first touch of the number canvas the
  // reading is held back (class "writing") until no stroke is in progress, the writer has paused
  // PAUSE_MS, and the reading of the canvas after the last stroke has come back: the page numbers the
  // canvas's changes (its pad's `sent`, canvas.py) and each reading echoes the number it answers into
  // #number-sketch-changes.
  const PAUSE_MS = 1000;
  const MAX_WAIT_MS = 60000; // should a reading never come (an error), the last one shows anyway
  let drawing = false;
  let lastUp = 0;
  let changesAtUp = 0;
  let timer = null;
  const reading = () => document.querySelector("#number-reading");
  const sent = () => document.querySelector("#number-sketch canvas")?.pad?.sent || 0;
  const answered = () => {
    const changes = sent();
    const echo = Number(document.querySelector("#number-sketch-changes input")?.value);
    return changes > changesAtUp && echo === changes;
  };
  const settle = () => {
    const since = Date.now() - lastUp;
    if (!drawing && ((answered() && since >= PAUSE_MS) || since >= MAX_WAIT_MS)) {
      reading()?.classList.remove("writing");
      timer = null;
    } else {
      timer = setTimeout(settle, 100);
    }
  };
  document.addEventListener("pointerdown", (event) => {
    if (!event.target.closest?.("#number-sketch canvas")) return;
    drawing = true;
    reading()?.classList.add("writing");
  }, true);
  const endStroke = () => {
    if (!drawing) return;
    drawing = false;
    lastUp = Date.now();
    changesAtUp = sent();
    if (timer === null) timer = setTimeout(settle, PAUSE_MS);
  };
  document.addEventListener("pointerup", endStroke, true);
  document.addEventListener("pointercancel", endStroke, true);

})();
