"""A 100k-machine placement from Python within 1.2x of the CLI's time, the GIL released during
long work, and Ctrl-C interrupting it."""
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import CLI, berth, run_cli
from specs import large_spec

MACHINES = int(os.environ.get("BERTH_PY_SPEED_MACHINES", "100000"))


@pytest.fixture(scope="module")
def big_spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "spec.json"
    path.write_text(json.dumps(large_spec(MACHINES, units_per_machine=2, replicas=50)))
    return path


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli_run(path):
    """(CPU, wall) seconds of `berth place PATH --format json` writing its answer to a pipe."""
    if not os.access(CLI, os.X_OK):
        pytest.skip(f"the berth CLI is not built ({CLI})")
    t, c = time.perf_counter(), child_cpu()
    p = subprocess.run([CLI, "place", str(path), "--format", "json"], stdout=subprocess.PIPE, timeout=600)
    cpu, wall = child_cpu() - c, time.perf_counter() - t
    assert p.returncode in (0, 2)
    return cpu, wall


def py_run(path):
    """(CPU, wall) seconds of berth.place(path) up to the answer as a dict, and the answer.
    process_time counts every thread of this process (the worker that places included)."""
    t, c = time.perf_counter(), time.process_time()
    answer = berth.place(path)
    cpu, wall = time.process_time() - c, time.perf_counter() - t
    return cpu, wall, answer


def test_python_is_within_1_2x_of_the_cli(big_spec):
    # Best of five each, interleaved. The build VM is shared (other builds run beside the tests),
    # so wall times follow the neighbours by +-50%; CPU time (user + sys, as bench/RESULTS.md
    # reports) is what the limit is checked on, and wall time is printed beside it.
    cli, py = [], []
    for _ in range(5):
        cli.append(cli_run(big_spec))
        cpu, wall, answer = py_run(big_spec)
        py.append((cpu, wall))
        assert len(answer["placements"]) == MACHINES * 2 and answer["pending"] == []
        del answer
    cpu_ratio = min(c for c, _ in py) / min(c for c, _ in cli)
    wall_ratio = min(w for _, w in py) / min(w for _, w in cli)
    print(f"\n{MACHINES} machines, {MACHINES * 2} instances, best of 5: "
          f"CLI {min(c for c, _ in cli):.3f} s CPU / {min(w for _, w in cli):.3f} s wall, "
          f"Python {min(c for c, _ in py):.3f} s CPU / {min(w for _, w in py):.3f} s wall; "
          f"ratio {cpu_ratio:.2f} CPU, {wall_ratio:.2f} wall")
    assert cpu_ratio <= 1.2, (cli, py)


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
    # With the GIL held the counter would stand still for the whole call.
    assert during > 0.2 * elapsed * 1000 * 0.25, (during, elapsed)


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
    assert line.startswith("interrupted"), (line, out, err)
    # Within about the 50 ms polling interval, not after the placement (about a second).
    assert waited < 0.5, waited
