"""The desktop client of figure 8 (:mod:`bench.desktop_start`), as a program that times itself:

    python -m bench.desktop_client MODULE:CLASS SERVER TEXT BUTTON

opens the page class's window (as ``python PAGE.py --server SERVER`` does), types TEXT, presses
BUTTON as soon as the window is drawn, runs the Tk loop until the status label shows the
answer, and prints the ``time.monotonic()`` of each step as JSON. It imports only what the
desktop client itself needs (no bench helpers, no pytest), so its start is the client's.
"""

import importlib
import json
import sys
import time

from pyjamas.desktop import desktop_window, page_href


def first_answer(page_class: str, server: str, text: str, button: str) -> dict:
    """In the desktop client's process: open the window, press the button once it is
    drawn, run the loop until the answer is shown; the monotonic times of each step."""
    module_name, class_name = page_class.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    with desktop_window(cls, page_href(cls, server)) as window:
        window.root.update()
        drawn = time.monotonic()
        text_area = window.widget("text")
        text_area.delete("1.0", "end")
        text_area.insert("1.0", text)
        status = window.widget("status")
        waiting = ("", window.page.TEXT_WAITING)
        window.widget(button).invoke()
        clicked = time.monotonic()
        deadline = clicked + 30
        while status.cget("text") in waiting:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer within 30 s")
            window.root.update()
            time.sleep(0.001)
        shown = time.monotonic()
        return {"drawn": drawn, "clicked": clicked, "shown": shown, "text": status.cget("text")}


if __name__ == "__main__":
    print(json.dumps(first_answer(*sys.argv[1:5])))
