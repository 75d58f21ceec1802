"""A real X server for the desktop client's tests: Xvfb, waiting on the Tk loop, screenshots.

Fixtures (registered for every test module by ``tests/conftest.py``):

``x_display`` (session)
    Debian's ``Xvfb`` on a free display number (``-displayfd``), 1280x800x24, with
    ``DISPLAY`` set for this process and its children until the session ends. No Xvfb, no
    ``xwd`` or no tkinter: a skip, or a failure with ``CI=true``.

Helpers: :func:`xvfb` (the same server as a context manager, for bench/), :func:`wait_until`
(run a window's event loop until a condition holds), :func:`wait_for_tk_application` (until
another process's window is up; :func:`tk_applications` are those already up),
:func:`close_demo_window` (``python -m <example> --desktop``, its window opened and closed),
:func:`screenshot` (the window as a PNG, with its number of distinct colours).
``DESKTOP_SCREENSHOTS=DIR`` makes the screenshot tests keep their pictures in ``DIR`` too
(``make screenshots`` puts them in ``docs/_static``).
"""

import importlib.util
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.waiting import wait_for

from .processes import require, stop_process

SCREEN = "1280x800x24"


@contextmanager
def xvfb(timeout: float = 20.0):
    """Run ``Xvfb :N -screen 0 1280x800x24`` on the first free N; yield ``":N"`` once it
    accepts clients; stop it."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
        pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    os.close(write_end)
    try:
        # Xvfb writes the display number it chose once it is ready for clients
        ready, _, _ = select.select([read_end], [], [], timeout)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        if not number:
            raise RuntimeError(f"Xvfb did not start within {timeout} s (exit {proc.poll()})")
        yield ":" + number
    finally:
        os.close(read_end)
        stop_process(proc)


@pytest.fixture(scope="session")
def x_display():
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (apt-get install -y xvfb)")
    require(shutil.which("xwd") is not None, "xwd is not installed (apt-get install -y x11-apps)")
    require(importlib.util.find_spec("tkinter") is not None, "this Python has no tkinter")
    previous = os.environ.get("DISPLAY")
    with xvfb() as display:
        os.environ["DISPLAY"] = display
        try:
            yield display
        finally:
            if previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = previous


def wait_until(root, condition, timeout: float = 20.0, what: str = "the condition"):
    """Run ``root``'s event loop until ``condition()`` is true; its value. TimeoutError after
    ``timeout`` seconds."""
    def updated_condition():
        root.update()
        return condition()

    return wait_for(updated_condition, timeout, what, interval=0.005, max_interval=0.02)


def tk_applications() -> list[str]:
    """The names of the Tk applications running on this display (any process's): Tk
    registers one when an application creates its main window, from its class name (first
    letter in lower case), with `` #2``, `` #3``... appended when the name is taken."""
    import tkinter

    probe = tkinter.Tk()
    try:
        return list(probe.tk.call("winfo", "interps"))
    finally:
        probe.destroy()


def wait_for_tk_application(name: str, ignore=(), timeout: float = 20.0) -> str:
    """Wait until a Tk application called ``name`` (any case), not one of ``ignore`` (the
    names that :func:`tk_applications` gave before), runs on this display; its name."""
    def new_application() -> str | None:
        for app in tk_applications():
            if app.split(" #")[0].lower() == name.lower() and app not in ignore:
                return app
        return None

    return wait_for(new_application, timeout, f"a new Tk application {name!r}")


def close_demo_window(module: str, page: Path, log_path: Path, env=None,
                      timeout: float = 60.0) -> None:
    """Run ``python -m <module> --desktop`` (the demo's servers and the window of ``page``),
    check that its window opens on the demo's servers, close it (SIGTERM, as the window
    manager's close does for the process), and check that the whole demo stops with it."""
    from flask_pyjamas.build.pyjsbuild import build_if_stale

    from .browser import run_demo

    build_if_stale(page)  # the demo serves the built page too
    before = tk_applications()
    with run_demo(module, env=env, log_path=log_path, args=["--desktop"]) as demo:
        # the Tk application's name: the page class's (the module's) name, first letter lower
        wait_for_tk_application(page.stem[0].lower() + page.stem[1:], ignore=before)
        line = re.search(r"^Desktop window: (.*) \(pid (\d+)\)$", demo.log(), re.MULTILINE)
        assert line, demo.log()
        assert line.group(1).endswith(f"/{page.name} --server {demo.api_url} "
                                      f"--page-server http://localhost:{demo.page_port}")
        os.kill(int(line.group(2)), signal.SIGTERM)

        assert demo.process.wait(timeout) == 0
        assert "Stopping." in demo.log()


def screenshot(root, path: Path) -> int:
    """Save what the window ``root`` shows as a PNG at ``path`` (``xwd`` of its X window,
    converted here); returns how many distinct colours it has."""
    root.update()
    window = int(root.wm_frame(), 16)
    dump = subprocess.run(["xwd", "-silent", "-id", str(window)], capture_output=True,
                          check=True, timeout=30).stdout
    width, height, rgb = xwd_to_rgb(dump)
    path.write_bytes(png(width, height, rgb))
    keep = os.environ.get("DESKTOP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(keep) / path.name)
    return len({rgb[i:i + 3] for i in range(0, len(rgb), 3)})


def xwd_to_rgb(dump: bytes) -> tuple[int, int, bytes]:
    """``(width, height, RGB bytes)`` of an ``xwd`` dump of a 24-bit TrueColor screen."""
    header = struct.unpack(">25I", dump[:100])
    header_size, version, pixmap_format = header[0], header[1], header[2]
    width, height, byte_order = header[4], header[5], header[7]
    bits_per_pixel, bytes_per_line = header[11], header[12]
    masks, ncolors = header[14:17], header[19]
    if (version, pixmap_format, bits_per_pixel) != (7, 2, 32) or masks != (
            0xFF0000, 0xFF00, 0xFF):
        raise ValueError("not a 32-bit ZPixmap xwd dump of a 24-bit TrueColor screen")
    pixels = dump[header_size + 12 * ncolors:]
    red, green, blue = (2, 1, 0) if byte_order == 0 else (1, 2, 3)  # LSB first: B G R x
    rgb = bytearray(width * height * 3)
    for y in range(height):
        row = pixels[y * bytes_per_line:y * bytes_per_line + width * 4]
        out = y * width * 3
        rgb[out:out + width * 3:3] = row[red::4]
        rgb[out + 1:out + width * 3:3] = row[green::4]
        rgb[out + 2:out + width * 3:3] = row[blue::4]
    return width, height, bytes(rgb)


def png(width: int, height: int, rgb: bytes) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (rows top to bottom, no filtering)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
