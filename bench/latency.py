"""Prediction latency: in-process `predict` on a 280x280 canvas image (Keras, and the same model
exported to ONNX in ONNX Runtime), and over HTTP on loopback.

Over HTTP, each prediction is an upload, a call and its streamed result (raw HTTP, three
requests). Measured: a client that keeps one session hash and its connections, as a browser does;
the same with a new connection (and a new httpx client, ~20 ms to set up) for every request; and
one that sends no session hash either, so Gradio builds a fresh session for every call.

    python bench/latency.py                  # all, default model
    python bench/latency.py --model lenet5_bn-mnist --requests 300
"""

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

import cv2  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.strokes import load_pendigits, render_digit  # noqa: E402
from support.api import predict_http  # noqa: E402
from support.app import start_app, stop_app  # noqa: E402


def percentiles(samples_ms: list[float]) -> str:
    q = np.percentile(samples_ms, [50, 95, 99])
    return f"p50 {q[0]:.1f} ms, p95 {q[1]:.1f} ms, p99 {q[2]:.1f} ms (n={len(samples_ms)})"


def canvas_images(n: int) -> list[np.ndarray]:
    """Real pen-drawn digits as the 280x280 RGBA canvas composite the app receives."""
    digits = load_pendigits()[:n]
    images = []
    for d in digits:
        rgb = render_digit(d)
        images.append(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]))
    return images


def bench_in_process(model: str | None, n: int) -> list[float]:
    from mnistdemo.inference import predict

    images = canvas_images(50)
    for image in images[:10]:
        predict(image, model)  # warm-up: the first call traces the model
    times = []
    for i in range(n):
        start = time.perf_counter()
        predict(images[i % len(images)], model)
        times.append((time.perf_counter() - start) * 1000)
    return times


def bench_onnx(model: str | None, n: int) -> tuple[list[float], list[float], list[float]]:
    """ONNX Runtime on the same canvases: ms with preprocessing, then model-only ms for ONNX Runtime and Keras."""
    import onnxruntime as ort

    from mnistdemo.export import export_onnx
    from mnistdemo.inference import SHIPPED
    from mnistdemo.preprocess import preprocess

    loaded = SHIPPED.get(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # as the app runs TensorFlow's ops
    with tempfile.TemporaryDirectory() as tmp:
        session = ort.InferenceSession(str(export_onnx(loaded, Path(tmp))), options,
                                       providers=["CPUExecutionProvider"])
    images = canvas_images(50)
    inputs = [preprocess(image, loaded.dataset)[None, ..., None] for image in images]
    run = lambda x: session.run(["probabilities"], {"image": x})[0]  # noqa: E731
    for x in inputs[:10]:
        run(x)
        loaded.probabilities(x[..., 0])
    with_preprocessing, onnx_only, keras_only = [], [], []
    for i in range(n):
        image, x = images[i % len(images)], inputs[i % len(images)]
        start = time.perf_counter()
        run(preprocess(image, loaded.dataset)[None, ..., None])
        with_preprocessing.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        run(x)
        onnx_only.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        loaded.probabilities(x[..., 0])
        keras_only.append((time.perf_counter() - start) * 1000)
    return with_preprocessing, onnx_only, keras_only


def bench_http(model: str | None, n: int, url: str, keep_session: bool, client: httpx.Client | None = None
               ) -> list[float]:
    """Milliseconds per upload + call + result; one session hash throughout, or none at all; connections
    kept by `client`, or a new one for each request."""
    session = uuid.uuid4().hex[:12] if keep_session else None
    pngs = [cv2.imencode(".png", image)[1].tobytes() for image in canvas_images(50)]
    for data in pngs[:5]:
        predict_http(url, "digit.png", data, model or "", session, client)
    times = []
    for i in range(n):
        start = time.perf_counter()
        event, result = predict_http(url, "digit.png", pngs[i % len(pngs)], model or "", session, client)
        times.append((time.perf_counter() - start) * 1000)
        if event != "complete":
            raise RuntimeError(f"prediction failed: {result}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model name (default: the app's default model)")
    parser.add_argument("--requests", type=int, default=200, help="timed predictions per measurement")
    parser.add_argument("--url", help="measure a running server instead of starting one")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process measurement")
    args = parser.parse_args()
    configure_threads(serving=True)  # as the app does
    print("in-process predict, Keras (280x280 canvas, preprocessing included):",
          percentiles(bench_in_process(args.model, args.requests)))
    with_preprocessing, onnx_only, keras_only = bench_onnx(args.model, args.requests)
    print("in-process predict, ONNX Runtime (280x280 canvas, preprocessing included):",
          percentiles(with_preprocessing))
    print("model call only, ONNX Runtime:", percentiles(onnx_only))
    print("model call only, Keras (the app's traced function):", percentiles(keras_only))
    if args.skip_http:
        return
    proc, url = (None, args.url) if args.url else start_app()
    try:
        with httpx.Client() as client:
            print("HTTP on loopback (upload + predict + result), one session, connections kept:",
                  percentiles(bench_http(args.model, args.requests, url, keep_session=True, client=client)))
        print("HTTP on loopback (upload + predict + result), one session, a new connection per request:",
              percentiles(bench_http(args.model, args.requests, url, keep_session=True)))
        print("HTTP on loopback (upload + predict + result), no session hash, a new connection per request:",
              percentiles(bench_http(args.model, args.requests, url, keep_session=False)))
    finally:
        if proc:
            stop_app(proc)


if __name__ == "__main__":
    main()
