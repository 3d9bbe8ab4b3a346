"""examples/python/compare_strategies.py runs on a small workload and writes its plot."""
import json
import os
import subprocess
import sys

from conftest import SOURCE, berth

SCRIPT = SOURCE / "examples/python/compare_strategies.py"


def run(*args, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                       env=env, timeout=600, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_generated_workload(tmp_path):
    out = run("--machines", "30", "--seed", "3", "--out", tmp_path / "plot.png", "--json", tmp_path / "c.json",
              tmp_path=tmp_path)
    png = (tmp_path / "plot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000
    answer = json.loads((tmp_path / "c.json").read_text())
    names = berth.strategies()
    assert [s["strategy"] for s in answer["strategies"]] == names
    lines = out.splitlines()
    assert lines[0].startswith("30 machines, ")
    for name in names:  # one table row per strategy, with its machines used and pending
        row = next(l for l in lines if l.split()[0] == name)
        s = next(s for s in answer["strategies"] if s["strategy"] == name)
        assert row.split()[1] == f"{s['machines_used']}/{s['machines_up']}" and int(row.split()[2]) == s["pending"]


def test_kube_dump(tmp_path):
    from test_verbs import NODES, PODS
    (tmp_path / "nodes.json").write_text(json.dumps(NODES))
    (tmp_path / "pods.json").write_text(json.dumps(PODS))
    out = run("--nodes", tmp_path / "nodes.json", "--pods", tmp_path / "pods.json", "--strategies",
              "best-fit,spread", "--out", tmp_path / "k.png", tmp_path=tmp_path)
    assert "2 machines, 2 instances (kube dump)" in out
    assert (tmp_path / "k.png").stat().st_size > 10000


def test_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"machines": [], "units": [{"name": "x", "requests": {"cpu": "-1"}}]}))
    p = subprocess.run([sys.executable, str(SCRIPT), "--spec", bad, "--out", tmp_path / "x.png"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert p.stderr.startswith("compare_strategies: error: [berth.invalid.") and p.stderr.count("\n") == 1
