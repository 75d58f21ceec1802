"""Figure 7: how heavy is each compiled page, and how soon can it send its first call?

Each page is loaded in headless Chromium with the HTTP cache disabled, several times,
interleaved with a hand-written baseline page (one HTML file: a button whose inline script
posts the same JSON-RPC call with ``XMLHttpRequest``). Reported:

* the JavaScript each page loads, from Playwright's response events: bytes, and bytes once
  gzipped (``gzip -6``, the default level of gzip and of Apache's mod_deflate; the test server
  sends them uncompressed), against the figure quoted for the 2012 Pyjamas build
  (about 960 KB, 145 KB gzipped per browser permutation);
* the time from navigation start until the page can send its first call (its send button is
  in the DOM: the module graph is loaded and ``onModuleLoad`` ran), measured in the page with
  ``performance.now()``; then the button is clicked and the answer checked.
"""

import gzip

from . import browser
from .report import Figure, median, ratio, skipped

NAME = "client_weight"
PYJAMAS_2012_GZ_KB = 145.0  # quoted for the 2012 build: ~960 KB, 145 KB gzipped per permutation
TARGET_KB = 30.0
TEXT = "first call"
PAGES = ["flaskcors", "flaskcelery", "baseline"]

BASELINE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>baseline</title>
<link rel="icon" href="data:,"></head>
<body><textarea id="text"></textarea><button id="send-flask-view">Send</button>
<div id="status"></div>
<script>
const server = new URLSearchParams(location.search).get("server");
document.getElementById("send-flask-view").onclick = () => {
  const status = document.getElementById("status");
  status.textContent = "Waiting for response...";
  const xhr = new XMLHttpRequest();
  xhr.open("POST", server + "/json_echo/");
  xhr.setRequestHeader("Content-Type", "application/json-rpc");
  xhr.onload = () => { status.textContent = JSON.parse(xhr.responseText).result; };
  xhr.send(JSON.stringify({jsonrpc: "2.0", id: "ID1", method: "echo",
                           params: [document.getElementById("text").value]}));
};
</script></body></html>
"""

# Before any page script: note when the send button appears and when the first XHR is sent.
INIT_JS = """
window.__bench = {ready: null, firstSend: null};
(() => {
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    if (window.__bench.firstSend === null) window.__bench.firstSend = performance.now();
    return send.apply(this, args);
  };
  const check = () => {
    if (window.__bench.ready === null && document.getElementById("send-flask-view"))
      window.__bench.ready = performance.now();
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
})();
"""


def run(ctx) -> list[Figure]:
    reason = browser.missing()
    if reason:
        return [skipped(7, NAME, "Client weight", reason, f"≤ {TARGET_KB:g} KiB gzipped")]
    loads = ctx.pick(7, 1)
    baseline_dir = ctx.workdir / "baseline"
    baseline_dir.mkdir()
    (baseline_dir / "index.html").write_text(BASELINE_HTML)
    with browser.page_server(ctx.workdir, {"baseline": baseline_dir}) as base, \
         browser.flask_api(ctx.workdir / "api.log", [base]) as api, \
         browser.chromium(ctx.workdir / "profile") as context:
        urls = {name: browser.page_url(base, name, api) for name in PAGES[:2]}
        urls["baseline"] = f"{base}/baseline/index.html?server={api.url}"
        samples = {name: [] for name in PAGES}
        for i in range(loads):
            for name in PAGES[i % 3:] + PAGES[:i % 3]:
                samples[name].append(_load(context, urls[name]))
    return _figures(ctx, samples, loads)


def _load(context, url: str) -> dict:
    """One cold load of ``url``: JS bytes, time until it can call, and one checked call."""
    with browser.cold_tab(context) as page:
        page.add_init_script(INIT_JS)
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(url)
        page.wait_for_selector("#send-flask-view")
        browser.set_text(page, TEXT)
        call_ms, text = browser.one_call(page)
        if text != TEXT:
            raise RuntimeError(f"{url} showed {text!r}, not the echo")
        marks = page.evaluate("window.__bench")
        nav = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
        scripts = [r for r in responses if r.request.resource_type == "script"]
        bodies = [r.body() for r in scripts]
        return {
            "ready_ms": marks["ready"],
            "first_send_ms": marks["firstSend"],
            "dom_content_loaded_ms": nav["domContentLoadedEventEnd"],
            "call_ms": call_ms,
            "js_files": len(scripts),
            "js_bytes": sum(len(b) for b in bodies),
            "js_gzip_bytes": sum(len(gzip.compress(b, 6)) for b in bodies),
        }


def _figures(ctx, samples: dict, loads: int) -> list[Figure]:
    figures = []
    base_ready = median(s["ready_ms"] for s in samples["baseline"])
    for name in PAGES[:2]:
        s = samples[name]
        gz_kb = s[0]["js_gzip_bytes"] / 1024
        figures.append(Figure(
            number=7, name=NAME, title=f"Client weight, {name} page (JS loaded, gzipped)",
            value=gz_kb, unit="KiB", baseline=PYJAMAS_2012_GZ_KB,
            baseline_label="2012 Pyjamas build per browser permutation: quoted, "
                           "not measured here",
            ratio=ratio(gz_kb, PYJAMAS_2012_GZ_KB), target=f"≤ {TARGET_KB:g} KiB",
            met=gz_kb <= TARGET_KB, command=ctx.command(NAME),
            details={"JavaScript files loaded": s[0]["js_files"],
                     "JavaScript bytes (uncompressed, unminified)": s[0]["js_bytes"],
                     "JavaScript bytes gzipped (-6)": s[0]["js_gzip_bytes"]},
        ))
        ready = median(x["ready_ms"] for x in s)
        figures.append(Figure(
            number=7, name=NAME, title=f"Time to first call, {name} page (Chromium)",
            value=ready, unit="ms", baseline=base_ready,
            baseline_label="hand-written one-file page, same server and browser",
            ratio=ratio(ready, base_ready), target="≤ 2× the one-file page",
            met=ready <= 2 * base_ready,
            command=ctx.command(NAME),
            details={f"navigation → send button in the DOM, ms (median of {loads} loads)": ready,
                     "navigation → DOMContentLoaded, median ms":
                         median(x["dom_content_loaded_ms"] for x in s),
                     "navigation → first XMLHttpRequest.send, median ms (after a "
                     "Playwright click)": median(x["first_send_ms"] for x in s),
                     "first call round trip, median ms": median(x["call_ms"] for x in s),
                     "baseline page: navigation → button, median ms": base_ready,
                     "baseline page: first call round trip, median ms":
                         median(x["call_ms"] for x in samples["baseline"])},
        ))
    figures[0].notes.append(
        f"{loads} cold loads of each page (HTTP cache disabled through CDP), interleaved with "
        "the baseline page; pages and the Flask server (run_flask_server.py) on 127.0.0.1, "
        "different ports. Bytes: bodies of the responses Playwright saw with resource type "
        "`script` (ES modules compiled by Transcrypt without minification), gzipped here "
        "because the static server sends them uncompressed. The 145 KB baseline is the figure "
        "quoted for the 2012 Pyjamas build, not a measurement of this run.")
    return figures
