"""What the tests share, one module a concern:

- app.py: the real app (`python app.py`) on a free loopback port;
- api.py: its Gradio API over raw HTTP (httpx), server-sent events read once for all;
- training.py: training runs through the Train tab's events, as Start and Stop make them;
- processes.py: the server's children, training workers and their memory, from /proc;
- images.py, drawings.py, numbers.py: test images, the held-out pen digits to draw, numbers the app reads;
- browser.py, static_page.py: drawing on the app's and the static page's canvases in Chromium;
- source.py: the package's Python source parsed, for the tests that read its code.

Tests import it as `support.<module>` (pytest puts tests/ on sys.path); the benchmarks in bench/ may import
it too (they put tests/ on sys.path), never the other way round. No module here imports a test module.
"""
