"""Figure 3: does the browser cache the CORS preflight? 50 calls from the compiled page.

Two Flask servers (``run_flask_server.py``) run side by side: the real settings
(``Access-Control-Max-Age: 86400``) and a baseline with ``CORS_MAX_AGE=0`` (no caching: every
call is preflighted). One page for each, in the same headless Chromium; the calls alternate
between the two pages. Reported: the ``OPTIONS`` requests each server logged, and the
page-side time per call (button click until the status shows the answer).
"""

from . import browser
from .report import Figure, median, percentile, ratio, skipped

NAME = "preflight_cache"
TITLE_COUNT = "Preflights for 50 calls from the page (Chromium)"
TITLE_TIME = "Page-side time per call (Chromium)"
PATH = "/json_echo/"
TEXT = "preflight benchmark"


def run(ctx) -> list[Figure]:
    reason = browser.missing()
    if reason:
        return [skipped(3, NAME, TITLE_COUNT, reason, "1 OPTIONS")]
    calls = ctx.pick(50, 5)
    with browser.page_server(ctx.workdir) as base:
        origins = [base]
        with browser.flask_api(ctx.workdir / "cached.log", origins) as cached, \
             browser.flask_api(ctx.workdir / "uncached.log", origins,
                               env={"CORS_MAX_AGE": "0"}) as uncached, \
             browser.chromium(ctx.workdir / "profile") as context:
            apis = {"cached": cached, "uncached": uncached}
            pages = {}
            for name, api in apis.items():
                page = context.new_page()
                page.goto(browser.page_url(base, "flaskcors", api))
                page.wait_for_selector("#send-flask-view")
                browser.set_text(page, TEXT)
                pages[name] = page
            times = {name: [] for name in apis}
            for _ in range(calls):
                for name, page in pages.items():
                    ms, text = browser.one_call(page)
                    if text != TEXT:
                        raise RuntimeError(f"page {name} showed {text!r}, not the echo")
                    times[name].append(ms)
        counts = {name: (api.count("OPTIONS", PATH), api.count("POST", PATH))
                  for name, api in apis.items()}
    (opt, post), (base_opt, base_post) = counts["cached"], counts["uncached"]
    if post != calls or base_post != calls:
        raise RuntimeError(f"servers logged {post} and {base_post} POSTs, not {calls}")
    notes = [
        f"{calls} Echo calls from the compiled flaskcors page (button \"Send to Flask view "
        f"function\"), alternating between two pages in one headless Chromium: one calls "
        f"the server with the real settings (Max-Age 86400; Chromium caps it at 7200 s), the "
        f"other a server with CORS_MAX_AGE=0. OPTIONS and POST counted in each server's "
        f"Werkzeug log (colours stripped). Page origin {base} (another port: cross-origin).",
    ]
    count_fig = Figure(
        number=3, name=NAME, title=TITLE_COUNT.replace("50", str(calls)),
        value=opt, unit="OPTIONS", baseline=base_opt,
        baseline_label="same calls, server sending Max-Age 0", ratio=ratio(opt, base_opt),
        target="1 OPTIONS", met=opt == 1, command=ctx.command(NAME),
        details={"POSTs logged (cached / baseline)": f"{post} / {base_post}"}, notes=notes)
    t, b = times["cached"], times["uncached"]
    time_fig = Figure(
        number=3, name=NAME, title=TITLE_TIME, value=median(t), unit="ms",
        baseline=median(b), baseline_label="every call preflighted (Max-Age 0)",
        ratio=ratio(median(t), median(b)), target="— (no target: cost of a preflight)",
        met=None, command=ctx.command(NAME),
        details={"cached: median / p90 / max ms":
                 f"{median(t):.2f} / {percentile(t, 90):.2f} / {max(t):.2f}",
                 "cached: first call ms (with its preflight)": t[0],
                 "Max-Age 0: median / p90 / max ms":
                 f"{median(b):.2f} / {percentile(b, 90):.2f} / {max(b):.2f}"})
    return [count_fig, time_fig]
