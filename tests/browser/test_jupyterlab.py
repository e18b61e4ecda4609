"""JupyterLab in a real browser: one notebook per area opened on the lab's kernel, Run All, every cell
succeeds, then the Try-it panel's button answers in its Output area (issue 13: they used to stay empty).

The server is `jupyter lab` from the venv on 127.0.0.1 (a free port, a token, `--allow-root` as root,
no browser), serving a temporary copy of notebooks/: nothing is written into the repository. Its
configuration, settings, workspaces and runtime files live in the test's tmp dir too, so a developer's
own Jupyter setup cannot change what is tested (nor be changed by it).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from browser_support import Page, expect, free_port, stop, wait_http

ROOT = Path(__file__).resolve().parents[2]
KERNEL = "integration-lab"
RUN_ALL_TIMEOUT_MS = 120_000  # Run All of one scenario on a fresh kernel, on a loaded CI machine
TRY_IT_TIMEOUT_MS = 30_000
SCENARIO_PREFIX = "test/browser/"  # the copies' scenario ids: their Redis keys are lab:test/browser/...

# One notebook per area; the Try-it panel is in each one's last code cell.
NOTEBOOKS = ["redis/01_cache_operations.ipynb", "telegram/01_bot_api_basics.ipynb",
             "payments/02_declines_and_3ds.ipynb"]

SETTINGS = {
    # every cell stays in the page, so the test sees the whole notebook (no virtual scrolling)
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # no news or update checks (they would leave loopback), no pop-up asking about them
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}


class Lab:
    def __init__(self, url: str, token: str, root: Path):
        self.url, self.token, self.root = url, token, root

    def api(self, method: str, path: str) -> int:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status


def copy_notebooks(target: Path) -> None:
    """The repo's notebooks, each with a scenario id of its own: on a real Redis ($REDIS_URL, CI's second
    pass) their keys never meet other tests' keys, nor those of someone's `interactive` session."""
    shutil.copytree(ROOT / "notebooks", target)
    for path in target.rglob("*.ipynb"):
        nb = json.loads(path.read_text())
        scenario = SCENARIO_PREFIX + path.relative_to(target).with_suffix("").as_posix()
        params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        text = "".join(params["source"])
        new, count = re.subn(r'^scenario_id = "interactive"', f'scenario_id = "{scenario}"', text, flags=re.M)
        assert count == 1, f"{path.name}: no `scenario_id = \"interactive\"` in the parameters cell"
        params["source"] = new
        assert nb["metadata"]["kernelspec"]["name"] == KERNEL, f"{path.name} is not pinned to {KERNEL}"
        path.write_text(json.dumps(nb, indent=1))


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyterlab")
    copy_notebooks(tmp / "notebooks")
    for name, value in SETTINGS.items():
        path = tmp / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_PREFER_ENV_PATH="1", PYTHONUNBUFFERED="1")
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={tmp / 'notebooks'}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.news_url=",
               # should this test be killed before its clean-up: idle kernels go, then the server
               "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60",
               "--ServerApp.shutdown_no_activity_timeout=600"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp / "jupyterlab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, tmp / "notebooks")
    try:
        wait_http(f"{lab.url}/api/status?token={token}", process, timeout=60, log=log)
        kernels = json.loads(urllib.request.urlopen(
            f"{lab.url}/api/kernelspecs?token={token}", timeout=10).read())
        assert KERNEL in kernels["kernelspecs"], f"JupyterLab does not offer the {KERNEL} kernel (make setup)"
        yield lab
    finally:
        try:  # a clean stop shuts the kernels down too
            lab.api("POST", "/api/shutdown")
            process.wait(20)
        except Exception:  # noqa: BLE001 - whatever went wrong, the process still has to go
            pass
        stop(process)
        forget_keys()


def forget_keys() -> None:
    """On a real Redis, the keys these notebooks left (a fakeredis goes with its kernel)."""
    if os.environ.get("REDIS_URL"):
        import redis

        with redis.Redis.from_url(os.environ["REDIS_URL"]) as client:
            keys = list(client.scan_iter(match=f"lab:{SCENARIO_PREFIX}*", count=500))
            if keys:
                client.unlink(*keys)


@pytest.fixture(scope="module")
def lab_page(chromium, jupyterlab):
    """One JupyterLab page for the module: the app loads once; each area opens its notebook in it."""
    page = Page(chromium)
    page.page.goto(f"{jupyterlab.url}/lab?reset&token={jupyterlab.token}")
    yield page
    page.close()


CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"
NOTEBOOK = f"{CURRENT} .jp-Notebook"
INDICATOR = f"{CURRENT} .jp-Notebook-ExecutionIndicator"

# Run All has finished when no cell is queued or running ([*]) and the kernel is idle; returns the prompts
# (a cell after a failing one is left unrun: "[ ]:").
SETTLED = """([notebook, indicator]) => {
  const prompts = [...document.querySelectorAll(notebook + ' .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const idle = document.querySelector(indicator)?.dataset.status === 'idle';
  if (!idle || !prompts.length || !/\\d/.test(prompts[0]) || prompts.some(p => p.includes('*'))) return null;
  return prompts;
}"""


def menu(page, top: str, item: str) -> None:
    page.locator("#jp-menu-panel .lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def open_notebook(page, path: str) -> None:
    """File > Open from Path…, as a person would, on the app already loaded."""
    menu(page, "File", "Open from Path…")
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill(path)
    dialog.locator("input").press("Enter")
    expect(page.locator(f"{CURRENT} .jp-Toolbar-kernelName")).to_contain_text("Integration lab")
    current_tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    expect(current_tab).to_have_text(path.split("/")[-1])


def test_run_all_then_try_it_answers_in_each_area(chromium, jupyterlab, lab_page, subtests, tmp_path):
    """One test (so xdist keeps it on one worker, with one JupyterLab); each area reported on its own."""
    for notebook in NOTEBOOKS:
        area = notebook.split("/")[0]
        with subtests.test(msg=area, notebook=notebook):
            run_all_then_try_it(lab_page, notebook, tmp_path / f"{area}.png")


def run_all_then_try_it(lab_page, notebook: str, screenshot) -> None:
    page = lab_page.page
    for seen in (lab_page.refused, lab_page.console_errors, lab_page.failed):
        seen.clear()  # what an earlier area met is reported there
    with lab_page.screenshot_on_failure(screenshot):
        open_notebook(page, notebook)
        cells = page.locator(f"{NOTEBOOK} .jp-CodeCell")
        # a Run All sent while the kernel is still connecting is lost: start once the status bar says
        # this notebook's kernel is idle (the toolbar's indicator says idle before the kernel is there)
        expect(page.locator(f".jp-StatusBar-TextItem[title='Change kernel for {notebook.split('/')[-1]}']")
               ).to_have_text(re.compile(r"^Integration lab .*\| Idle$"), timeout=RUN_ALL_TIMEOUT_MS)

        # Run All from the menu, as a person would, on the fresh kernel the notebook started
        menu(page, "Run", "Run All Cells")
        prompts = page.wait_for_function(SETTLED, arg=[NOTEBOOK, INDICATOR], timeout=RUN_ALL_TIMEOUT_MS,
                                         polling=250).json_value()
        errors = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, "a cell wrote an error:\n" + "\n\n".join(errors.all_inner_texts())[:4000]
        assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), f"cells left unrun: {prompts}"
        assert page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="'expectations met'").count() == 1

        # the Try-it panel: the widget in the last code cell; its Output area is empty until a click
        panel = cells.last.locator(".jupyter-widgets.widget-vbox").first
        panel.wait_for()
        answer = panel.locator(".widget-output .jp-OutputArea-output")
        assert answer.count() == 0, answer.all_inner_texts()
        button = panel.locator("button.jupyter-button")
        label = button.inner_text()
        button.click()
        # each of these panels answers with a table (an error would be a line of text instead)
        expect(answer.locator("table").first, f"the Try-it button {label!r} was clicked: no table in its "
               f"output within {TRY_IT_TIMEOUT_MS / 1000:.0f} s").to_be_visible(timeout=TRY_IT_TIMEOUT_MS)
        failed = panel.locator(".widget-output [data-mime-type='application/vnd.jupyter.stderr']")
        assert failed.count() == 0, f"{label}: {failed.all_inner_texts()}"
        expect(button).to_be_enabled()  # ready for another click
    # and JupyterLab itself stayed quiet: nothing asked of another host, no console error, no failed request
    assert (lab_page.refused, lab_page.console_errors, lab_page.failed) == ([], [], [])
