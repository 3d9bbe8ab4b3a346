#!/usr/bin/python3
"""Issue 17's table: `berth place` end to end on the realistic mix (bench/support/realistic.hpp),
old and new binary side by side in one run.

    bench/scale/realistic.py --new build/bin/berth [--old /work/berth-baseline] \
        [--gen build/bench/berth_bench_gen_spec] [--runs 3] [--work /tmp/berth-scale] [CASE ...]

CASE (default: all): 200k, 1m, per-instance, preferences, pending.
Each run is one whole process (`BIN place SPEC --format json > OUT`), old and new in turn
(old new old new ...). Per run: wall (monotonic clock around the child), CPU (user+sys) and peak
RSS (ru_maxrss) from wait4's rusage of the finished child. Printed as min / median / max;
instances/s is instances over the median wall. The JSON answers of old and new are compared
byte for byte (cmp) on the last run of every case (each run writes the same file).
"""
import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import time

CASES = {
    # name: (machines, units, extra generator options)
    "200k": [(100000, 200000, [])],
    "1m": [(100000, 700000, [])],
    "per-instance": [(1000, 2000, []), (100000, 200000, [])],
    "preferences": [(100000, 200000, []), (100000, 200000, ["--preferences", "0.3"])],
    "pending": [(100000, 200000, ["--fill", "1.3"])],
}


def generate(gen, work, machines, units, extra):
    name = f"real-{machines}-{units}" + "".join(x.strip("-") for x in extra) + ".json"
    path = os.path.join(work, name)
    if not os.path.exists(path):
        with open(path + ".tmp", "w") as out:
            subprocess.run([gen, "--realistic", str(machines), str(units)] + extra, stdout=out, check=True)
        os.rename(path + ".tmp", path)
    # Counted in a child: a parent that held the parsed spec would lend its resident pages to
    # every child it forks, and ru_maxrss of a small run would read as the parent's size.
    count = ("import json,sys; s=json.load(open(sys.argv[1])); "
             "print(sum(u.get('replicas', 1) if isinstance(u.get('replicas', 1), int) else 1 for u in s.get('units', [])))")
    instances = int(subprocess.run([sys.executable, "-c", count, path], capture_output=True, text=True, check=True).stdout)
    return path, instances


def run_once(binary, spec, out_path):
    with open(out_path, "w") as out:
        start = time.monotonic()
        proc = subprocess.Popen([binary, "place", spec, "--format", "json"], stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024.0, "exit": proc.returncode}


def three(values, fmt):
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def pending_count(out_path):
    count = "import json,sys; a=json.load(open(sys.argv[1])); print(len(a.get('placements', {})), len(a.get('pending', [])))"
    placed, pending = subprocess.run([sys.executable, "-c", count, out_path], capture_output=True, text=True, check=True).stdout.split()
    return int(placed), int(pending)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--new", required=True)
    ap.add_argument("--old")
    ap.add_argument("--gen", default="build/bench/berth_bench_gen_spec")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/berth-scale")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    binaries = [("old", a.old), ("new", a.new)] if a.old else [("new", a.new)]
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| case | spec | binary | wall s | cpu s (user+sys) | peak MiB | instances/s (median wall) | placed / pending |")
    print("|---|---|---|---|---|---|---|---|")
    for case in a.cases or list(CASES):
        for machines, units, extra in CASES[case]:
            spec, instances = generate(a.gen, a.work, machines, units, extra)
            results = {name: [] for name, _ in binaries}
            outs = {}
            for r in range(a.runs):
                for name, binary in binaries:
                    out = os.path.join(a.work, f"out-{name}-{os.path.basename(spec)}")
                    results[name].append(run_once(binary, spec, out))
                    outs[name] = out
            for name, _ in binaries:
                rs = results[name]
                placed, pending = pending_count(outs[name])
                wall = [x["wall"] for x in rs]
                print(f"| {case} | {machines} machines, {units} units{' ' + ' '.join(extra) if extra else ''} ({instances} instances) | {name} "
                      f"| {three(wall, '{:.2f}')} | {three([x['cpu'] for x in rs], '{:.2f}')} | {three([x['rss_mib'] for x in rs], '{:.0f}')} "
                      f"| {instances / statistics.median(wall):,.0f} | {placed} / {pending} |", flush=True)
            if a.old:
                same = filecmp.cmp(outs["old"], outs["new"], shallow=False)
                print(f"|  |  | old vs new JSON | {'byte-identical' if same else 'DIFFERENT'} |  |  |  |  |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
