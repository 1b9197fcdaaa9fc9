// A drawing pad on a <canvas>: black strokes on white, by pen, mouse or finger, one pointer at a time.
// Both pages draw with it: the static site (app.js) and the app's two canvases (mnistdemo/ui/canvas.py),
// so a digit drawn on either is the same picture. Every stroke is kept and the canvas repainted from
// them, so that anti-aliased edges of one stroke's segments never pile up (strokes.render_strokes
// draws this way too). `onChange()` runs after every pen-up, clear and undo.
// The app inlines this file in its canvases' script (mnistdemo/ui/canvas.py), less the word `export`:
// keep it one plain function.
export function drawingPad(canvas, onChange) {
  const pen = canvas.getContext("2d", { willReadFrequently: true });
  const pad = {
    brushRadius: 10, // the pages set mnistdemo.strokes' value
    strokes: [], // each a list of [x, y] canvas pixels
    drawing: null, // {pointerId, points} while a pen is down
    pen,
    paint() {
      const r = pad.brushRadius;
      pen.fillStyle = "#fff";
      pen.fillRect(0, 0, canvas.width, canvas.height);
      pen.fillStyle = pen.strokeStyle = "#000";
      pen.lineWidth = 2 * r;
      pen.lineCap = pen.lineJoin = "round";
      for (const points of pad.strokes) {
        pen.beginPath();
        if (points.length === 1) {
          pen.arc(points[0][0], points[0][1], r, 0, 2 * Math.PI);
          pen.fill();
          continue;
        }
        pen.moveTo(...points[0]);
        for (const point of points.slice(1)) pen.lineTo(...point);
        pen.stroke();
      }
    },
    clear() {
      pad.strokes = [];
      pad.drawing = null;
      pad.paint();
      onChange();
    },
    undo() {
      if (pad.drawing || !pad.strokes.length) return;
      pad.strokes.pop();
      pad.paint();
      onChange();
    },
  };

  const canvasPoint = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * canvas.width) / box.width;
    return [x, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener("pointerdown", (event) => {
    if (pad.drawing || event.button !== 0) return; // one pen or finger at a time
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    pad.drawing = { pointerId: event.pointerId, points: [canvasPoint(event)] };
    pad.strokes.push(pad.drawing.points);
    pad.paint();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (pad.drawing?.pointerId !== event.pointerId) return;
    const events = event.getCoalescedEvents?.() ?? [];
    for (const e of events.length ? events : [event]) pad.drawing.points.push(canvasPoint(e));
    pad.paint();
  });
  const penUp = (event) => {
    if (pad.drawing?.pointerId !== event.pointerId) return;
    pad.drawing = null;
    onChange();
  };
  canvas.addEventListener("pointerup", penUp);
  canvas.addEventListener("pointercancel", penUp);
  pad.paint();
  return pad;
}
