"""Details in a closed accordion cost nothing: they are computed only while it is open, after the answer.

Whether an accordion is open is kept in the browser (a hidden checkbox its expand and collapse
events set, in JavaScript only), and so is a counter that the browser bumps after each answer
only while the accordion is open. The details' server event listens to that counter, so a
closed accordion sends no request at all: no queue slot, no upload of the drawing, no output
to encode. (A server event that answered `gr.skip()` for a closed accordion was no cheaper:
Gradio 6.31 rebuilds the component and its config for every skipped output, ~2-30 ms each here.)
"""

import gradio as gr

# Each runs in the browser only (`fn=None`): the server never sees these events.
_OPEN_JS = "(tick) => [true, tick + 1]"
_CLOSE_JS = "() => false"
_BUMP_IF_OPEN_JS = "(open, tick) => open ? tick + 1 : tick"


def compute_while_open(accordion: gr.Accordion, fn, inputs: list, outputs: list, after: list, **event_args) -> None:
    """Run `fn(*inputs) -> outputs` when `accordion` opens and after each event in `after` while it is open."""
    is_open = gr.Checkbox(False, visible="hidden", container=False, interactive=False)
    tick = gr.Number(0, visible="hidden", container=False, interactive=False)
    accordion.expand(None, [tick], [is_open, tick], js=_OPEN_JS, queue=False, api_visibility="private")
    accordion.collapse(None, None, [is_open], js=_CLOSE_JS, queue=False, api_visibility="private")
    for event in after:
        event.then(None, [is_open, tick], [tick], js=_BUMP_IF_OPEN_JS, queue=False, api_visibility="private")
    tick.change(fn, inputs, outputs, trigger_mode="always_last", show_progress="hidden", api_visibility="private",
                **event_args)
