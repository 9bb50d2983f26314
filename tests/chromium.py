"""Headless Chromium driven over the DevTools protocol on a pipe: pages seen at a chosen width and colour scheme.

``--dump-dom`` and ``--screenshot`` cannot ask for a dark colour scheme or a phone's viewport, nor say
where an image was drawn. The DevTools protocol can, and ``--remote-debugging-pipe`` speaks it as
NUL-separated JSON on file descriptors 3 and 4, so the standard library is enough: no WebSocket client,
no Playwright. Scripts run here are the test's, evaluated from outside; the pages themselves have none.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from typing import Any

WAIT = 15.0  # seconds for one command, or for a page to load


class DevToolsError(AssertionError):
    """Chromium answered a command with an error, closed the pipe, or took too long."""


class Chromium:
    """One headless Chromium process; `open` gives a tab with its own viewport and colour scheme."""

    def __init__(self, executable: str, flags: tuple[str, ...] = ()) -> None:
        self._profile = tempfile.mkdtemp(prefix="feedpub-chromium-")
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()

        def as_fds_3_and_4() -> None:  # in the child, before exec: the pipe ends where Chromium expects them
            reading, writing = os.dup(to_browser), os.dup(from_browser)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [executable, *flags, "--remote-debugging-pipe", f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=as_fds_3_and_4, pass_fds=(3, 4), start_new_session=True,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._last_id = 0
        self.events: list[dict[str, Any]] = []

    def command(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._last_id += 1
        message: dict[str, Any] = {"id": self._last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + WAIT
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._last_id:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, session: str) -> None:
        """Wait for ``event`` in ``session``, whether it arrived already or comes later."""
        deadline = time.monotonic() + WAIT
        while True:
            for seen in self.events:
                if seen.get("method") == event and seen.get("sessionId") == session:
                    self.events.remove(seen)
                    return
            reply = self._next(deadline)
            if "method" in reply:
                self.events.append(reply)

    def _next(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise DevToolsError(f"Chromium did not answer within {WAIT} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise DevToolsError(f"Chromium closed the DevTools pipe (exit status {self.process.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int, height: int, scheme: str = "light", mobile: bool = False) -> Tab:
        """A new tab showing ``url`` at ``width`` x ``height`` CSS pixels in the ``scheme`` colour scheme,
        once the page and its (non-lazy) images have loaded."""
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
        session = self.command("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.command("Page.enable", session)
        self.command("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                     deviceScaleFactor=1, mobile=mobile)
        self.command("Emulation.setEmulatedMedia", session,
                     features=[{"name": "prefers-color-scheme", "value": scheme}])
        self.command("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        return Tab(self, session, target)

    def close(self) -> None:
        try:
            self.command("Browser.close")
            self.process.wait(timeout=10)
        except (DevToolsError, OSError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the browser and its children
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            shutil.rmtree(self._profile, ignore_errors=True)


class Tab:
    def __init__(self, browser: Chromium, session: str, target: str) -> None:
        self.browser = browser
        self.session = session
        self.target = target

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression``, evaluated in the page by the test."""
        result = self.browser.command("Runtime.evaluate", self.session, expression=expression,
                                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, clip: dict[str, float] | None = None) -> bytes:
        """The viewport, or the ``clip`` rectangle of the page (``x``, ``y``, ``width``, ``height`` in CSS
        pixels), as PNG bytes."""
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.browser.command("Page.captureScreenshot", self.session, **params)["data"])

    def close(self) -> None:
        self.browser.command("Target.closeTarget", targetId=self.target)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, unfiltered rows and bytes per pixel of an 8-bit, non-interlaced RGB(A) PNG (what
    Chromium's screenshots are), so a test can look at what was drawn where."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, header = 8, b"", b""
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB(A) PNGs are read here"
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * step
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            corner = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[x] = (line[x] + nearest[2]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, step


def colours(data: bytes) -> set[tuple[int, int, int]]:
    """The distinct colours (RGB) drawn in a PNG screenshot (a small clip of a page: this is pure Python)."""
    width, _, rows, step = png_pixels(data)
    return {tuple(row[x:x + 3]) for row in rows for x in range(0, width * step, step)}  # type: ignore[misc]
