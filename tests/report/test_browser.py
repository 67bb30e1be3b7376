"""The report in headless Chromium with the network cut off: it draws every figure, logs no error and
asks for nothing remote. CI installs chromium (.ci/run); outside CI the test skips without it."""

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")

# test-only instrumentation, inserted at the top of a copy of the report
PROBE = """<script>(function(){
var error=console.error;
console.error=function(){console.log("IADSIM-ERROR "+Array.prototype.join.call(arguments," "));
  return error.apply(console,arguments);};
window.addEventListener("error",function(ev){var t=ev.target;
  if(t&&t!==window&&(t.src||t.href)){console.log("IADSIM-ERROR resource "+(t.src||t.href));}},true);
window.addEventListener("load",function(){setTimeout(function(){
  var plots=document.querySelectorAll(".js-plotly-plot .main-svg").length>0?
    document.querySelectorAll(".js-plotly-plot").length:0;
  var remote=performance.getEntriesByType("resource").map(function(r){return r.name;})
    .filter(function(u){return !/^(data|file|blob):/.test(u);});
  ["drivers","metrics","who","over-time","audit","timeline","map","replay"].forEach(function(id){
    var el=document.getElementById(id);
    console.log("IADSIM-SECTION "+id+" plots="+(el?el.querySelectorAll(".js-plotly-plot").length:-1)+
      " text="+(el?el.innerText.trim().length:-1)+" links="+(el?el.querySelectorAll("a.claim").length:-1));});
  var broken=Array.prototype.filter.call(document.querySelectorAll("a.claim"),function(a){
    return !document.getElementById(a.getAttribute("href").slice(1));}).length;
  console.log("IADSIM-DONE plots="+plots+" remote="+remote.length+" broken="+broken+" "+remote.join(" "));},1000);});
})();</script>"""


def chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    message = "headless chromium is needed for the browser test (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{message}; CI must install it (.ci/run does)")
    pytest.skip(message)


def run_chromium(html_file, tmp_path, name):
    screenshot = tmp_path / f"{name}.png"
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
        f"--screenshot={screenshot}", "--window-size=1280,2000", "--virtual-time-budget=5000",
        html_file.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return screenshot, console, result


def page_errors(console: list[str]) -> list[str]:
    return [line for line in console if re.search(r"Uncaught|IADSIM-ERROR|Error:|Failed to load", line)]


def test_report_renders_offline_without_errors(report_path, tmp_path):
    from PIL import Image

    screenshot, console, result = run_chromium(report_path, tmp_path, "report")
    assert screenshot.is_file(), f"no screenshot; chromium said:\n{result.stderr[-3000:]}"
    assert not page_errors(console), "\n".join(console)
    image = np.asarray(Image.open(screenshot).convert("RGB"))
    assert image.shape[:2] == (2000, 1280)
    colours = np.unique(image.reshape(-1, 3), axis=0)
    assert len(colours) > 50 and image.std() > 20, "the screenshot is (nearly) blank"


def test_every_figure_is_drawn_and_nothing_remote_is_requested(report_path, tmp_path):
    text = report_path.read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    _, console, result = run_chromium(probed, tmp_path, "probed")
    assert not page_errors(console), "\n".join(console)
    done = [line for line in console if "IADSIM-DONE" in line]
    assert done, f"the page did not finish loading:\n{result.stderr[-3000:]}"
    match = re.search(r"plots=(\d+) remote=(\d+) broken=(\d+)", done[-1])
    assert int(match.group(2)) == 0, done[-1]
    assert int(match.group(1)) == text.count("Plotly.newPlot("), done[-1]
    assert int(match.group(3)) == 0, done[-1]  # every claim's link reaches its cell


def test_each_section_renders_its_text_and_figures(report_path, tmp_path):
    """The explaining sections are drawn in the browser: their text, their figures (the timeline, map and replay
    per variant) and the links of "what drove the outcome"."""
    text = report_path.read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    _, console, result = run_chromium(probed, tmp_path, "sections")
    assert not page_errors(console), "\n".join(console)
    sections = {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(4))) for line in console
                if (m := re.search(r"IADSIM-SECTION ([\w-]+) plots=(-?\d+) text=(-?\d+) links=(-?\d+)", line))}
    assert set(sections) == {"drivers", "metrics", "who", "over-time", "audit", "timeline", "map", "replay"}, console
    for name, (_, chars, _) in sections.items():
        assert chars > 100, (name, sections[name])
    variants = 2  # the fixture's report compares the run with itself
    for name in ("timeline", "map", "replay"):
        assert sections[name][0] == variants, (name, sections[name])
    assert sections["drivers"][2] >= 3
