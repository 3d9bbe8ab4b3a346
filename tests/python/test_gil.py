"""The GIL is released during long work, and Ctrl-C interrupts it. (How fast the module is
against the CLI is measured by bench/python/python_speed.py, not asserted here.)"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import berth
from specs import large_spec

MACHINES = int(os.environ.get("BERTH_PY_SPEED_MACHINES", "100000"))


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "spec.json"
    path.write_text(json.dumps(large_spec(MACHINES, units_per_machine=2, replicas=50)))
    return path


def test_the_gil_is_released_during_place(big_spec):
    # A Python thread keeps running while berth.place works.
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = ticks
        t0 = time.perf_counter()
        berth.place(big_spec)
        elapsed = time.perf_counter() - t0
        during = ticks - start
    finally:
        stop.set()
        t.join()
    # With the GIL held the counter would stand still for the whole call: it must have moved.
    assert during > 0, (during, elapsed)


SCRIPT = r"""
import pathlib, sys, time, berth
print("start", flush=True)
t = time.perf_counter()
try:
    berth.place(pathlib.Path(berth_path))
    print("finished", flush=True)
except KeyboardInterrupt:
    print(f"interrupted {time.perf_counter() - t:.3f}", flush=True)
    sys.exit(0)
"""


def test_ctrl_c_interrupts_long_work(big_spec):
    env = dict(os.environ)
    p = subprocess.Popen([sys.executable, "-c", f"berth_path = {str(big_spec)!r}\n" + SCRIPT],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "start"
    time.sleep(0.3)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    line = p.stdout.readline()
    waited = time.perf_counter() - sent
    out, err = p.communicate(timeout=120)  # exit waits for the abandoned work (atexit)
    assert p.returncode == 0, err
    # "interrupted", not "finished": the KeyboardInterrupt came out of berth.place itself.
    assert line.startswith("interrupted"), (line, out, err, waited)
