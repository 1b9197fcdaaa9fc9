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

  // 2. Whole numbers: no flashing partial readings. While a number is being written, and until
  // the reading of its last stroke has arrived after a short pause, the reading is held back
  // (class "writing"); a reading that never changes shows again after MAX_WAIT_MS.
  const PAUSE_MS = 700;
  const MAX_WAIT_MS = 5000;
  let lastUp = 0;
  let answered = true;
  let timer = null;
  const reading = () => document.querySelector("#number-reading");
  const settle = () => {
    const since = Date.now() - lastUp;
    if ((answered && since >= PAUSE_MS) || since >= MAX_WAIT_MS) {
      reading()?.classList.remove("writing");
      timer = null;
    } else {
      timer = setTimeout(settle, 100);
    }
  };
  const startWriting = (event) => {
    if (!event.target.closest?.("#number-sketch canvas")) return;
    reading()?.classList.add("writing");
    answered = false;
  };
  const endStroke = (event) => {
    if (!reading()?.classList.contains("writing")) return;
    lastUp = Date.now();
    answered = false;
    if (timer === null) timer = setTimeout(settle, PAUSE_MS);
  };
  document.addEventListener("pointerdown", startWriting, true);
  document.addEventListener("pointerup", endStroke, true);
  document.addEventListener("pointercancel", endStroke, true);

  new MutationObserver((mutations) => {
    readyBrushes();
    const target = reading();
    if (target && mutations.some((m) => target.contains(m.target) && m.target !== target)) answered = true;
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  readyBrushes();
})();
