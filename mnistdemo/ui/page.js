// Runs once when the page loads (launch(js=...)).
(() => {
  // 1. Canvases ready to draw. Gradio's Sketchpad starts, and returns after every Clear, with no
  // tool chosen ("select the draw tool to start"), so a first stroke draws nothing. Whenever that
  // prompt shows in one of our canvases, choose its Brush (the first tool of its side palette).
  const readyBrushes = () => {
    for (const pad of document.querySelectorAll(".brush-ready")) {
      const prompt = pad.querySelector(".empty.wrap");
      if (prompt && prompt.textContent.trim()) {
        pad.querySelector(".toolbar-wrap .half-container button")?.click();
      }
    }
  };

  // 2. Whole numbers: no flashing partial readings. From the first touch of the number canvas the
  // reading is held back (class "writing") until no stroke is in progress, the writer has paused
  // PAUSE_MS, and a reading requested after the last stroke has come back. Gradio marks an output
  // whose reading is on its way by making its status tracker "translucent"; a request that started
  // before the last stroke ended holds the canvas without it, so only one started after counts.
  const PAUSE_MS = 1000;
  const MAX_WAIT_MS = 60000; // should the page miss a reading's start, it shows anyway
  let drawing = false;
  let lastUp = 0;
  let wasPending = false;
  let started = false; // a reading was requested after the last stroke ...
  let answered = true; // ... and it has come back
  let timer = null;
  const reading = () => document.querySelector("#number-reading");
  const pending = () => !!reading()?.querySelector("[data-testid=status-tracker].translucent");
  const track = () => {
    const now = pending();
    if (now && !wasPending && !drawing) started = true;
    if (!now && wasPending && started) answered = true;
    wasPending = now;
  };
  const settle = () => {
    const since = Date.now() - lastUp;
    if (!drawing && ((answered && since >= PAUSE_MS) || since >= MAX_WAIT_MS)) {
      reading()?.classList.remove("writing");
      timer = null;
    } else {
      timer = setTimeout(settle, 100);
    }
  };
  let watched = null;
  document.addEventListener("pointerdown", (event) => {
    if (!event.target.closest?.("#number-sketch canvas")) return;
    const target = reading();
    if (target && target !== watched) {
      watched = target;
      new MutationObserver(track).observe(target, { subtree: true, childList: true, attributes: true,
                                                    attributeFilter: ["class"] });
    }
    drawing = true;
    target?.classList.add("writing");
  }, true);
  const endStroke = () => {
    if (!drawing) return;
    drawing = false;
    lastUp = Date.now();
    wasPending = pending();
    started = false;
    answered = false;
    if (timer === null) timer = setTimeout(settle, PAUSE_MS);
  };
  document.addEventListener("pointerup", endStroke, true);
  document.addEventListener("pointercancel", endStroke, true);

  new MutationObserver(readyBrushes).observe(document.body, { childList: true, subtree: true });
  readyBrushes();
})();
