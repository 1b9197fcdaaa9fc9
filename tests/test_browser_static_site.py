"""The static page (export-web) in a real browser: a plain file server on loopback, every other host blocked,
held-out pen digits drawn with the mouse on a desktop and with a finger on a phone."""

import shutil

import numpy as np
import onnxruntime
import pytest

from mnistdemo.preprocess import preprocess
from mnistdemo.replay import canvas_points
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits, render_strokes
from web_page import block_other_hosts, clear, draw_with_finger, draw_with_mouse, held_out_twenty, reading, serve

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}


@pytest.fixture(scope="module")
def site_url(static_site):
    with serve(static_site) as url:
        yield url


@pytest.fixture
def offline(browser):
    """(new_page(**context options), attempted): pages whose requests may not leave loopback."""
    contexts, attempted = [], []

    def new_page(**options):
        context = browser.new_context(**options)
        block_other_hosts(context, attempted)
        contexts.append(context)
        return context.new_page()

    yield new_page, attempted
    for context in contexts:
        context.close()


def _python_reads(static_site, strokes) -> str:
    """What the reference (strokes.render_strokes, preprocess.py, ONNX Runtime in Python) reads in these strokes."""
    session = onnxruntime.InferenceSession(str(static_site / "models" / "best_mnist-mnist.onnx"))
    image = preprocess(render_strokes([np.array(s) for s in strokes], (280, 280)))
    return str(session.run(None, {"image": image[None, :, :, None]})[0].argmax())


def test_pen_digits_drawn_with_the_mouse_are_read_in_the_browser_alone(offline, site_url, static_site):
    new_page, attempted = offline
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url)  # no waiting for the model: the canvas takes strokes at once
    right, misread, differ = 0, [], []
    for i, (digit, placement) in enumerate(held_out_twenty()):  # the 20 test_browser_draw draws in the app
        if i:
            clear(page)
        strokes = canvas_points(digit, **placement)
        draw_with_mouse(page, strokes)
        answer = reading(page, len(strokes)).split()[0]
        right += answer == str(digit.label)
        if answer != str(digit.label):
            misread.append((digit.label, answer))
        if answer != _python_reads(static_site, strokes):
            differ.append((digit.label, answer))
    # The default model misreads 2 of these 20 in Python as well (1.7% of all held-out pen digits).
    assert right >= 18, f"only {right}/20 read right; misread (drawn, reading): {misread}"
    assert len(differ) <= 1, f"the page and Python read these differently (drawn, page's reading): {differ}"

    page.locator("#language").select_option("zh")  # the reading and the page switch language in place
    assert page.locator("#clear").inner_text() == "清除"
    assert page.locator("#reading .top").inner_text() == page.locator("#probabilities li.top span").first.inner_text()
    page.locator("#model").select_option(label="服饰（Fashion-MNIST） · best_fashion")
    fashion = "T恤/上衣 裤子 套头衫 连衣裙 外套 凉鞋 衬衫 运动鞋 包 短靴".split()
    page.wait_for_function(f"{fashion}.some(n => document.querySelector('#reading .top')?.textContent === n)")
    page.screenshot(path="/tmp/mnistdemo-static-desktop.png", full_page=True)
    assert attempted == [], f"the page tried to reach other hosts: {attempted}"


def test_a_finger_draws_digits_on_a_phone(offline, site_url):
    new_page, attempted = offline
    phone = new_page(**PHONE)
    rng = np.random.default_rng(3)
    digits = load_pendigits(writers=HELD_OUT_WRITERS)
    for label in (2, 0, 7):  # fixed digits by held-out writers, none chosen by hand
        digit = rng.choice([d for d in digits if d.label == label])
        # A fresh page each: in headless Chromium an emulated tap on Clear after a swipe sometimes gives no
        # click (about 1 run in 4 here), so Clear is tested with the mouse above.
        phone.goto(site_url)
        strokes = canvas_points(digit, height_frac=0.7, center=(0.5, 0.5))
        draw_with_finger(phone, strokes)
        assert reading(phone, len(strokes)).split()[0] == str(label)
    box = phone.locator("#sketch").bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390, f"the canvas does not fit the screen: {box}"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390, "the page scrolls sideways"
    phone.screenshot(path="/tmp/mnistdemo-static-phone.png", full_page=True)
    assert attempted == [], f"the page tried to reach other hosts: {attempted}"


def test_a_missing_model_file_is_named_on_the_page(offline, static_site, tmp_path):
    broken = tmp_path / "site"
    shutil.copytree(static_site, broken)
    (broken / "models" / "best_mnist-mnist.onnx").unlink()
    new_page, attempted = offline
    page = new_page()
    with serve(broken) as url:
        page.goto(url)
        page.locator("#reading.error").wait_for()
        assert page.locator("#reading").inner_text().startswith("Could not load the model:")
    assert attempted == []
