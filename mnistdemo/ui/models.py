"""Which model a name means: this session's trained model, else a shipped one (the lookup every tab uses)."""

import gradio as gr

from mnistdemo.inference import SHIPPED, LoadedModel
from mnistdemo.ui.texts import error_message


def find_model(name: str | None, session_models: dict | None) -> LoadedModel:
    """This session's model called `name`, else the shipped one; ValueError (saying why) if there is none."""
    if name in (session_models or {}):
        return session_models[name]
    return SHIPPED.get(name)


def resolve_model(name: str | None, session_models: dict | None, lang: str | None = None) -> LoadedModel:
    """`find_model` for a handler: gr.Error (a pop-up in `lang`, and the API's error) with the reason if there is
    none."""
    try:
        return find_model(name, session_models)
    except ValueError as error:
        raise gr.Error(error_message(error, lang)) from None
