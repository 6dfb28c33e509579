"""The documentation site, built offline and opened page by page in headless Chromium.

The site is built once per run with `tools/docs --check --strict` (nbdev processing + smalldocs; see that script), or
reused from `_docs/` when EBM_NB_DOCS_BUILT=1. It is served from `_docs/` on a localhost port and every page is
opened in the Debian Chromium (`/usr/bin/chromium`, or $CHROMIUM) through Playwright, with a fresh profile. Per page:

* a non-empty <title>;
* no JavaScript page errors (`pageerror`); requests that leave localhost are aborted and only listed, never counted;
* every <img> loaded (naturalWidth > 0), and every figure legible at the column width: shown at ≥ 72 CSS px per inch
  of the figure (from the PNG's recorded dpi), so that its text is at least its point size in pixels;
* maths typeset: smalldocs loads KaTeX from a CDN, which is answered from the npm `katex` package's `dist/`
  ($KATEX_DIST, or .ci_work/npm/node_modules/katex/dist, or node_modules/katex/dist); every `span.math` must hold a
  `.katex` rendering and no `.katex-error`; display math fits the 644-px text column of the 1280-px window (long
  equations broken into lines), wide tables and code scroll rather than being clipped;
* chapter pages (notebooks with `#| default_exp`): the show_doc output of every exported function and class (the
  module's `__all__`): a heading with its name and the signature with its docments.

Without Chromium or KaTeX these tests skip locally and fail in CI (CI=true). Under pytest-xdist the workers share one
build: a file lock lets the first worker build while the others wait, then they reuse it (a record in `_proc/` names
the test run); each worker runs its own browser. (`--dist loadgroup` would keep them on one worker, but its grouping
does not take effect with pytest 9 + xdist 3.8 here.)
"""

import ast
import base64
import fcntl
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import need as _need  # skip locally, fail in CI

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
DOCS = ROOT / "_docs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
KATEX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/katex@([^/]+)/dist/(.+)$")


# ------------------------------------------------------------------ the pages we expect, known at collection time
def _notebooks():
    return sorted(p for p in NBS.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def _html_name(nb: Path) -> str:
    from nbdev.config import nbpath2html  # 00_core.ipynb -> core.html, as nbdev's front matter `output-file` says
    return nbpath2html(nb.name).name


def _default_exp(nb: Path):
    for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        if c["cell_type"] != "code": continue
        m = re.search(r"^#\|\s*default_exp\s+(\S+)", "".join(c["source"]), re.M)
        if m: return m.group(1)


def _public_api(module: str) -> list:
    "Functions and classes that the exported module `ebm_nb.<module>` defines and lists in `__all__` (read, not imported)."
    f = ROOT / "ebm_nb" / (module.replace(".", "/") + ".py")
    if not f.exists(): return []
    tree = ast.parse(f.read_text(encoding="utf-8"))
    names, defined = [], set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): defined.add(node.name)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            names = list(ast.literal_eval(node.value))
    return [n for n in names if n in defined and not n.startswith("_")]


PAGES = {_html_name(nb): nb for nb in _notebooks()}
PAGES.update({p.with_suffix(".html").name: p for p in sorted(NBS.glob("*.qmd")) + sorted(NBS.glob("*.md"))
              if not p.name.startswith(("_", "."))})


# ------------------------------------------------------------------ fixtures: the built site, a server, a browser
def _run_id(config) -> str:
    wi = getattr(config, "workerinput", None)
    if wi: return wi["testrunuid"]
    if not hasattr(config, "_ebm_nb_run_id"): config._ebm_nb_run_id = uuid.uuid4().hex
    return config._ebm_nb_run_id


@pytest.fixture(scope="session")
def site(request):
    "Build the site once per test run (all xdist workers share one build); returns the build's record."
    if os.environ.get("EBM_NB_DOCS_BUILT") == "1":
        if not (DOCS / "index.html").exists(): pytest.fail("EBM_NB_DOCS_BUILT=1 but _docs/index.html is missing")
        return {"reused": True, "rc": 0, "output": ""}
    run = _run_id(request.config)
    record = ROOT / "_proc" / ".ebm_nb_docs_build.json"
    lock = Path(tempfile.gettempdir()) / f"ebm_nb-docs-{hashlib.md5(str(ROOT).encode()).hexdigest()[:8]}.lock"
    with open(lock, "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            if record.exists():
                rec = json.loads(record.read_text())
                if rec.get("run") == run: return rec
            res = subprocess.run([sys.executable, str(ROOT / "tools" / "docs"), "--check", "--strict"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=900)
            rec = {"run": run, "rc": res.returncode, "output": res.stdout + res.stderr, "reused": False}
            record.parent.mkdir(exist_ok=True)
            record.write_text(json.dumps(rec))
            return rec
        finally:
            fcntl.flock(lk, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def server(site):
    if not (DOCS / "index.html").exists(): pytest.fail(f"no site in {DOCS}:\n{site['output'][-5000:]}", pytrace=False)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DOCS)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _katex_dist():
    for c in [os.environ.get("KATEX_DIST"), ROOT / ".ci_work/npm/node_modules/katex/dist", ROOT / "node_modules/katex/dist"]:
        if c and (Path(c) / "katex.min.js").exists(): return Path(c)


@pytest.fixture
def open_page(browser, server):
    "Open a page of the site: returns (page, page errors, aborted external URLs, KaTeX files served)."
    katex = _katex_dist()
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})   # a laptop window: a 644-px text column
    ctx.set_default_timeout(30_000)
    blocked, served = [], []

    def route(r):
        url = r.request.url
        if url.startswith(server): return r.continue_()
        m = KATEX_CDN.match(url)
        if m and katex and (katex / m.group(2)).is_file():
            served.append(m.group(2))
            return r.fulfill(path=str(katex / urlsplit(url).path.split("/dist/", 1)[1]))
        blocked.append(url)
        return r.abort()

    ctx.route("**/*", route)

    def _open(name):
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server}/{name}", wait_until="load")
        return page, errors, blocked, served

    yield _open
    ctx.close()


# ------------------------------------------------------------------ the tests
def test_docs_build(site):
    "tools/docs builds the site with no smalldocs warning and a clean `smalldocs check`."
    if site.get("reused"): pytest.skip("EBM_NB_DOCS_BUILT=1: reusing _docs/")
    assert site["rc"] == 0, f"tools/docs --check --strict failed:\n{site['output'][-10000:]}"


def test_every_page_is_checked(site):
    built = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.html") if not p.relative_to(DOCS).parts[0].startswith(("site_libs", "."))}
    assert built == set(PAGES), f"pages built but not checked: {built - set(PAGES)}; expected but not built: {set(PAGES) - built}"


def test_links_stay_on_the_site(site):
    "Links between pages are relative (tools/docs rewrites nbdev's absolute doc links), so a local build keeps readers on it."
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    public = cfg.doc_host.rstrip("/") + "/" + cfg.doc_baseurl.strip("/")
    bad = {str(p.relative_to(DOCS)): n for p in DOCS.glob("*.html") if (n := p.read_text(encoding="utf-8").count(f'href="{public}'))}
    assert not bad, f"pages linking to the public site instead of the local page: {bad}"


# figures made outside the cell that shows them, with their labels set where they are drawn
FIGURE_MAKERS = ("plot_density(", "demo_", "Image(")


def test_figures_are_labelled():
    "Every figure a notebook shows labels an axis, or is an image (axes off); the heuristic reads each cell's source."
    bad = []
    for nb in _notebooks():
        for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] != "code": continue
            src = "".join(c["source"])
            draws = "plt.show()" in src or any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
            if not draws or any(m in src for m in FIGURE_MAKERS): continue
            if not re.search(r"xlabel|ylabel|axis\([\"']off[\"']\)|set_axis_off|set_xticks\(\[\]\)", src):
                bad.append(f"{nb.name} cell {c.get('id')}: {src.strip().splitlines()[0][:80]}")
    assert not bad, "figures without axis labels:\n  " + "\n  ".join(bad)


def test_sidebar_lists_every_page():
    "nbs/sidebar.yml is written by hand (custom_sidebar): every notebook is in it once, and it names no missing one."
    import yaml
    def entries(o):
        if isinstance(o, str): yield o
        elif isinstance(o, list):
            for x in o: yield from entries(x)
        elif isinstance(o, dict): yield from entries(o.get("contents", []))
    listed = list(entries(yaml.safe_load((NBS / "sidebar.yml").read_text())["website"]["sidebar"]["contents"]))
    names = sorted(nb.name for nb in _notebooks())
    assert sorted(listed) == names, f"not in the sidebar: {set(names) - set(listed)}; listed but missing or twice: " \
        f"{[n for n in listed if n not in names or listed.count(n) > 1]}"


IMGS_JS = """async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { if (i.loading === 'lazy') i.loading = 'eager'; });
  const done = i => i.complete ? Promise.resolve() :
      new Promise(r => { i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); });
  await Promise.race([Promise.all(imgs.map(done)), new Promise(r => setTimeout(r, 20000))]);
  return imgs.map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0, natural: i.naturalWidth,
                         shown: i.getBoundingClientRect().width, head: (i.getAttribute('src') || '').slice(0, 400)}));
}"""

MIN_PX_PER_INCH = 72   # a figure's text shows at least at its point size in CSS pixels (10 pt ticks: >= 10 px)


def _png_dpi(data_uri):
    "The dots per inch a PNG data URI records (matplotlib writes a pHYs chunk), or None."
    if not data_uri.startswith("data:image/png;base64,"): return None
    b64 = data_uri.split(",", 1)[1]
    head = base64.b64decode(b64[: len(b64) // 4 * 4])
    i = head.find(b"pHYs")
    if i < 0 or len(head) < i + 13 or head[i + 12] != 1: return None   # unit 1: per metre
    return struct.unpack(">I", head[i + 4:i + 8])[0] * 0.0254


def _illegible(imgs):
    "Figures shown at fewer than MIN_PX_PER_INCH CSS pixels per inch of the figure (too wide for the column)."
    bad = []
    for i in imgs:
        dpi = _png_dpi(i["head"])
        if not dpi or not i["natural"] or i["natural"] < 200: continue
        per_inch = i["shown"] / (i["natural"] / dpi)
        if per_inch < MIN_PX_PER_INCH:
            bad.append(f"a {i['natural'] / dpi:.1f}-inch figure shown {i['shown']:.0f} px wide ({per_inch:.1f} px per inch)")
    return bad


MATH_JS = """() => {
  const spans = [...document.querySelectorAll('span.math')];
  return {n: spans.length, typeset: spans.filter(s => s.querySelector('.katex')).length,
          katex: document.querySelectorAll('.katex').length,
          errors: [...document.querySelectorAll('.katex-error')].map(e => e.getAttribute('title') || e.textContent).slice(0, 5),
          untypeset: spans.filter(s => !s.querySelector('.katex')).map(s => s.textContent.slice(0, 80)).slice(0, 5),
          wants: !!document.querySelector('script[src*="katex"]')};
}"""

API_JS = """() => [...document.querySelectorAll('.cell-output-markdown')].flatMap(o =>
  [...o.querySelectorAll('h2, h3, h4')].map(h => ({name: h.textContent.trim(),
     sig: !!(h.nextElementSibling && h.nextElementSibling.querySelector('pre code')) ||
          !!(h.parentElement.querySelector('pre code'))})))"""


LAYOUT_JS = r"""() => {
  const scrolls = el => {   // the element or a box around it scrolls sideways (a visible scrollbar), so nothing is lost
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  const clipped = [...document.querySelectorAll('main .katex-display, main table, main pre')].filter(el =>
      el.scrollWidth > el.clientWidth + 1 && !scrolls(el)).map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 60));
  // display math fits the column outright (it would scroll, but a reader should see a whole equation): break long ones
  // into lines (aligned, gathered)
  const wide_math = [...document.querySelectorAll('main .katex-display')].filter(el => el.scrollWidth > el.clientWidth + 1)
      .map(el => ((el.querySelector('annotation') || {}).textContent || el.textContent).trim().slice(0, 80));
  // raw TeX or a markdown escape left in prose: text outside math, code and the sidebar
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
      n.parentElement.closest('.katex, .math, code, pre, script, style, .sourceCode') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const raw = [];
  for (let n; (n = walker.nextNode()) && raw.length < 5;) {
    const m = n.textContent.match(/\\[*_]|\\(mathbb|frac|hat|log|sum|int|beta|theta|sigma|mu|le|ge|cdot)\b|\^\{|\$\$/);
    if (m) raw.push(n.textContent.trim().slice(0, 80));
  }
  return {clipped: clipped.slice(0, 5), wide_math: wide_math.slice(0, 5), raw};
}"""


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(name, open_page):
    page, errors, blocked, served = open_page(name)
    problems = []

    title = page.title().strip()
    if not title: problems.append("empty <title>")

    imgs = page.evaluate(IMGS_JS)
    bad = [i["src"] for i in imgs if not i["ok"]]
    if bad: problems.append(f"{len(bad)} of {len(imgs)} images did not load: {bad[:5]}")
    small = _illegible(imgs)
    if small: problems.append(f"figures too wide to read at the column width (< {MIN_PX_PER_INCH} px per inch): {small}")

    math = page.evaluate(MATH_JS)
    if math["wants"] or math["n"]:
        if not _katex_dist():
            _need("the npm katex package is not installed (npm install --prefix .ci_work/npm katex@0.16.11)")
        page.wait_for_function("() => !document.querySelector('span.math') || document.querySelector('.katex')", timeout=15_000)
        math = page.evaluate(MATH_JS)
        if math["n"] and math["typeset"] < math["n"]:
            problems.append(f"maths not typeset: {math['typeset']} of {math['n']} span.math have KaTeX output; e.g. {math['untypeset']}")
        if math["errors"]: problems.append(f"KaTeX errors: {math['errors']}")

    layout = page.evaluate(LAYOUT_JS)
    if layout["clipped"]: problems.append(f"wider than the text column and not scrollable: {layout['clipped']}")
    if layout["wide_math"]: problems.append(f"display math wider than the text column (break it into lines): {layout['wide_math']}")
    if layout["raw"]: problems.append(f"raw TeX or a markdown escape in the rendered text: {layout['raw']}")

    src = PAGES[name]
    module = _default_exp(src) if src.suffix == ".ipynb" else None
    if module:
        docs = page.evaluate(API_JS)
        shown = {d["name"] for d in docs if d["sig"]}
        if not shown: problems.append(f"no API docs (show_doc output) on a page that exports ebm_nb.{module}")
        missing = [n for n in _public_api(module) if n not in shown]
        if missing: problems.append(f"exported but no show_doc on the page: {missing}")

    page.wait_for_timeout(200)  # late errors from deferred scripts
    if errors: problems.append(f"JavaScript page errors: {errors}")
    page.close()
    assert not problems, f"{name} ({src.name}):\n  " + "\n  ".join(problems) + (
        f"\n  (aborted external requests, not counted: {sorted(set(blocked))[:5]})" if blocked else "")
