"""Streamlit's websocket messages, as the browser sends and reads them.

The messages are protobufs that the `streamlit` package ships in `streamlit.proto`. Importing them runs
streamlit's package __init__ (no runtime, no server, no st.* call): this is the one module of observatoire that
imports from the streamlit package, and only its wire format, loaded lazily by `messages()` so that the rest of
the domain package (and `observatoire --help`) never pays for it. Copying the .proto files would let them drift
from the server they must speak to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlencode

STREAM_PATH = "/_stcore/stream"
FINISHED, COMPILE_ERROR, EARLY_FOR_RERUN, FRAGMENT_FINISHED = 0, 1, 2, 3


@cache
def messages():
    """(BackMsg, ForwardMsg, WidgetState) classes."""
    from streamlit.proto.BackMsg_pb2 import BackMsg  # the wire format only, see the module docstring
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return BackMsg, ForwardMsg, WidgetState


def rerun(page: str, query: dict[str, str], widgets: dict[str, str] | None = None) -> bytes:
    """The BackMsg a browser sends to run `page` (its URL path) with this query string and widget values."""
    back_msg, _, widget_state = messages()
    msg = back_msg()
    state = msg.rerun_script
    state.query_string = urlencode(query)
    state.page_name = page
    for widget_id, value in (widgets or {}).items():
        state.widget_states.widgets.append(widget_state(id=widget_id, string_value=value))
    return msg.SerializeToString()


@dataclass
class Run:
    """What one script run sent back: the end status, exceptions shown, selectboxes drawn, the new URL."""

    status: int | None = None
    exceptions: list[str] = field(default_factory=list)
    selectboxes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)   # key -> (widget id, options)
    query: str | None = None
    bytes_received: int = 0

    @property
    def done(self) -> bool:
        return self.status in (FINISHED, COMPILE_ERROR, FRAGMENT_FINISHED)


def read(payload: bytes, run: Run) -> None:
    """Fold one ForwardMsg into `run`."""
    _, forward_msg, _ = messages()
    msg = forward_msg()
    msg.ParseFromString(payload)
    run.bytes_received += len(payload)
    kind = msg.WhichOneof("type")
    if kind == "script_finished":
        run.status = msg.script_finished
    elif kind == "page_info_changed":
        run.query = msg.page_info_changed.query_string
    elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        what = element.WhichOneof("type")
        if what == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif what == "selectbox":
            widget_id = element.selectbox.id
            run.selectboxes[widget_id.split("-", 2)[-1]] = (widget_id, list(element.selectbox.options))
