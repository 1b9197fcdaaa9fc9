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

  // 2. Whole numbers: no flashing partial readings. From the first touch of the number canvas
  // the reading is held back (class "writing") until the writer has paused PAUSE_MS after a stroke
  // and no reading is on its way (Gradio marks a pending output's status tracker "translucent");
  // a reading that takes longer than MAX_WAIT_MS shows anyway.
  const PAUSE_MS = 1000;
  const MAX_WAIT_MS = 15000;
  let lastUp = 0;
  let timer = null;
  const reading = () => document.querySelector("#number-reading");
  const pending = () => !!reading()?.querySelector("[data-testid=status-tracker].translucent");
  const settle = () => {
    const since = Date.now() - lastUp;
    if ((since >= PAUSE_MS && !pending()) || since >= MAX_WAIT_MS) {
      reading()?.classList.remove("writing");
      timer = null;
    } else {
      timer = setTimeout(settle, 100);
    }
  };
  document.addEventListener("pointerdown", (event) => {
    if (event.target.closest?.("#number-sketch canvas")) reading()?.classList.add("writing");
  }, true);
  const endStroke = () => {
    if (!reading()?.classList.contains("writing")) return;
    lastUp = Date.now();
    if (timer === null) timer = setTimeout(settle, PAUSE_MS);
  };
  document.addEventListener("pointerup", endStroke, true);
  document.addEventListener("pointercancel", endStroke, true);

  new MutationObserver(readyBrushes).observe(document.body, { childList: true, subtree: true });
  readyBrushes();
})();
