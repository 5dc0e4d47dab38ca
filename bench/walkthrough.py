"""A new user's first visit, in a real browser: upload a weak interview, review it, add a note, download
the report, upload a strong one and compare the two. Prints each step's time; screenshots and the
downloaded report go to --out. Reads the shared mock interviews (../shared/audio/mock).

    .venv/bin/python bench/walkthrough.py [--out DIR]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
from browser import chromium, served_dashboard  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from test_browser import settled, wait_for  # noqa: E402

MOCK = ROOT.parent / "shared" / "audio" / "mock"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "walkthrough")
OUT = parser.parse_args().out
OUT.mkdir(parents=True, exist_ok=True)
home = Path(tempfile.mkdtemp())
css = lambda d, q: d.find_elements(By.CSS_SELECTOR, q)
t0 = time.time()

def shot(d, name):
    d.set_window_size(1400, max(1000, d.execute_script("return document.body.scrollHeight")))
    d.save_screenshot(str(OUT / f"{name}.png")); d.set_window_size(1400, 1000)

def upload(d, url, audio, title, problem):
    d.get(f"{url}/practice")
    wait_for(d, lambda: css(d, '.st-key-practice_upload input[type="file"]'), 60)[0].send_keys(str(audio))
    wait_for(d, lambda: audio.name in d.page_source, 30)
    for key, value in (("practice_title", title), ("practice_candidate", "demo")):
        box = wait_for(d, lambda: css(d, f".st-key-{key} input"), 30)[0]
        box.clear(); box.send_keys(value + Keys.ENTER)
        wait_for(d, lambda: settled(d), 30)
    sel = wait_for(d, lambda: css(d, ".st-key-practice_problem input"), 30)[0]
    sel.click(); sel.send_keys(problem + Keys.ENTER); wait_for(d, lambda: settled(d), 30)
    wait_for(d, lambda: css(d, ".st-key-practice_analyse button:not([disabled])"), 30)[0].click()
    wait_for(d, lambda: settled(d) and title in d.find_element(By.CSS_SELECTOR, "h2").text
             and len(css(d, '[data-testid="stVegaLiteChart"] svg')) >= 4, 180)
    print(f"{time.time()-t0:6.1f}s analysed {audio.name} -> {d.current_url}")

with served_dashboard(home) as url, chromium() as d:
    d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(OUT)})
    upload(d, url, MOCK / "d3_url_shortener_weak.flac", "d3 weak", "url")
    shot(d, "1_review_d3")
    # a coach's note at 0:22
    wait_for(d, lambda: css(d, ".st-key-note_text textarea, .st-key-note_text input"), 30)[0].send_keys(
        "15 s of silence here: say what you are weighing")
    css(d, ".st-key-note_at input")[0].send_keys("0:22")
    [b for b in css(d, "button") if b.text.strip() == "Add note"][0].click()
    wait_for(d, lambda: settled(d) and "say what you are weighing" in d.page_source, 30)
    print(f"{time.time()-t0:6.1f}s note added")
    shot(d, "2_review_d3_note")
    d.get(d.current_url.replace("/?", "/export?") if "/?" in d.current_url else f"{url}/export")
    wait_for(d, lambda: settled(d) and len(css(d, '[data-testid="stDownloadButton"]')) >= 6, 60)
    css(d, ".st-key-download_md button")[0].click()
    wait_for(d, lambda: list(OUT.glob("*.md")), 30)
    print(f"{time.time()-t0:6.1f}s report downloaded: {[p.name for p in OUT.glob('*.md')]}")
    shot(d, "3_export")
    upload(d, url, MOCK / "d2_chat_strong.flac", "d2 strong", "chat")
    d.get(f"{url}/compare")
    wait_for(d, lambda: settled(d) and len(css(d, '[data-testid="stVegaLiteChart"] svg')) >= 4, 60)
    print(f"{time.time()-t0:6.1f}s compare shows {len(css(d, '[data-testid=stVegaLiteChart] svg'))} charts; "
          f"'2 sessions' in page: {'2 sessions' in d.page_source}")
    shot(d, "4_compare")
print("screenshots and download in", OUT)
