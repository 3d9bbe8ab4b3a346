#!/usr/bin/env python3
"""Python against the CLI on one large placement (issue 19's 1.2x target), as a bench program:
speed is measured here and reported in bench/RESULTS.md, never asserted by a timed test.

  PYTHONPATH=build/python BERTH_CLI=build/bin/berth /usr/bin/python3 bench/python/python_speed.py [MACHINES]

Places MACHINES machines (default 100,000) with 2 instances each, five runs of each side
interleaved, and prints the medians of CPU time (user + sys) and wall time, with the module's
opt-in allocator policy (the CLI's) and, in a fresh interpreter, without it.
"""
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tests" / "python"))
import berth  # noqa: E402
from specs import large_spec  # noqa: E402

CLI = os.environ.get("BERTH_CLI", "build/bin/berth")
MACHINES = int(sys.argv[1]) if len(sys.argv) > 1 else 100000


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli_run(path):
    """(CPU, wall) seconds of `berth place PATH --format json` writing its answer to a pipe."""
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


def cli_medians(path, runs=5):
    runs = [cli_run(path) for _ in range(runs)]
    return statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs), runs


DEFAULT = r"""
import pathlib, statistics, sys, time, berth
cpu = []
for _ in range(3):
    c = time.process_time()
    berth.place(pathlib.Path(sys.argv[1]))
    cpu.append(time.process_time() - c)
print(cpu[0], statistics.median(cpu[1:]))
"""




def main():
    with tempfile.TemporaryDirectory() as tmp:
        spec = pathlib.Path(tmp) / "spec.json"
        spec.write_text(json.dumps(large_spec(MACHINES, units_per_machine=2, replicas=50)))
        # The default policy first, in a fresh interpreter (this one has not applied the opt-in).
        p = subprocess.run([sys.executable, "-c", DEFAULT, str(spec)], capture_output=True, text=True,
                           timeout=600, env=dict(os.environ))
        if p.returncode != 0:
            sys.exit(p.stderr)
        first, later = map(float, p.stdout.split())
        policy = berth.use_cli_allocator_policy()
        cli, py = [], []
        for _ in range(5):
            cli.append(cli_run(spec))
            cpu, wall, answer = py_run(spec)
            py.append((cpu, wall))
            del answer
        med = statistics.median
        cli_cpu = med(c for c, _ in cli)
        print(f"{MACHINES} machines, {MACHINES * 2} instances, 5 runs each, median CPU s (wall s)")
        print(f"  CLI                              {cli_cpu:.3f} ({med(w for _, w in cli):.3f})")
        print(f"  Python, CLI allocator policy={policy}  {med(c for c, _ in py):.3f} ({med(w for _, w in py):.3f})"
              f"  ratio {med(c for c, _ in py) / cli_cpu:.2f} CPU, {med(w for _, w in py) / med(w for _, w in cli):.2f} wall")
        print(f"  Python, default policy: first call {first:.3f}, later calls {later:.3f}"
              f"  ratios {first / cli_cpu:.2f}, {later / cli_cpu:.2f}")


if __name__ == "__main__":
    main()
