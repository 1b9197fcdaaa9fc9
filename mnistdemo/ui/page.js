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
  // and no reading has been on its way for QUIET_MS (Gradio marks a pending output's status tracker
  // "translucent"; a stroke drawn while another is being read is sent just after, so one short
  // gap between the two is not the end); a reading that takes longer than MAX_WAIT_MS shows anyway.
  const PAUSE_MS = 1000;
  const QUIET_MS = 600;
  const MAX_WAIT_MS = 15000;
  let drawing = false;
  let lastUp = 0;
  let lastBusy = 0;
  let timer = null;
  const reading = () => document.querySelector("#number-reading");
  const pending = () => !!reading()?.querySelector("[data-testid=status-tracker].translucent");
  const settle = () => {
    const now = Date.now();
    if (pending()) lastBusy = now;
    const done = !drawing && now - lastUp >= PAUSE_MS && now - lastBusy >= QUIET_MS;
    if (done || (!drawing && now - lastUp >= MAX_WAIT_MS)) {
      reading()?.classList.remove("writing");
      timer = null;
    } else {
      timer = setTimeout(settle, 50);
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
    lastBusy = lastUp;
    if (timer === null) timer = setTimeout(settle, 50);
  };
  document.addEventListener("pointerup", endStroke, true);
  document.addEventListener("pointercancel", endStroke, true);

  new MutationObserver(readyBrushes).observe(document.body, { childList: true, subtree: true });
  readyBrushes();
})();
