"""compare, explain, pack, capacity, reboot_plan, import_kube, state_export: each equals the
CLI verb's JSON (times, which vary from run to run, are left out of the comparison)."""
import json

import pytest

from conftest import SOURCE, berth, canonical, cli_json, run_cli

COREOS = SOURCE / "examples/coreos-fleet/cluster.json"
MIXED = SOURCE / "examples/compare/mixed.json"
REBOOT = SOURCE / "examples/ops/coreos-reboot.json"


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in ("seconds", "seconds_per_placement")}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def test_compare_equals_the_cli():
    names = ["best-fit", "ffd-sum", "l2-diff", "flow"]
    mine = berth.compare(MIXED, names)
    cli = cli_json("compare", MIXED, "--strategies", ",".join(names), "--format", "json")
    assert canonical(without_times(mine)) == canonical(without_times(cli))
    assert [s["strategy"] for s in mine["strategies"]] == names
    rows = {s["strategy"]: s for s in mine["strategies"]}
    assert rows["best-fit"]["pending"] == 4 and rows["l2-diff"]["pending"] == 0
    assert all(s["seconds"] >= 0 for s in mine["strategies"])


def test_compare_all():
    mine = berth.compare(COREOS)
    assert [s["strategy"] for s in mine["strategies"]] == berth.strategies()


OUTCOMES = SOURCE / "examples/outcomes/mixed.json"


@pytest.mark.parametrize("spec,unit,machine", [
    (COREOS, "analytics", "api-3"), (COREOS, "api@1", "api-1"), (COREOS, "kong@1", "etcd-1"),
    (COREOS, "etcd@1", "api-3"), (COREOS, "api-lb@2", "api-3")])
def test_explain_equals_the_cli(spec, unit, machine):
    cli = cli_json("explain", spec, unit, machine, "--format", "json")
    assert canonical(berth.explain(spec, unit, machine)) == canonical(cli)


@pytest.mark.parametrize("unit", ["trainer", "lb@1", "pair@1", "huge", "follower"])
def test_explain_outcomes_equals_the_cli(unit):
    # examples/outcomes: unresolvable units, contradictions, preferences; on its first and last
    # machine (whatever the example's size).
    machines = [m["name"] for m in json.loads(OUTCOMES.read_text())["machines"]]
    for machine in (machines[0], machines[-1]):
        cli = cli_json("explain", OUTCOMES, unit, machine, "--format", "json")
        assert canonical(berth.explain(OUTCOMES, unit, machine)) == canonical(cli)


def test_explain_preferences():
    machine = json.loads(OUTCOMES.read_text())["machines"][0]["name"]
    answer = berth.explain(OUTCOMES, "lb@1", machine)
    assert "preferences_met" in answer


def test_explain_says_why():
    answer = berth.explain(COREOS, "analytics", "api-3")
    assert answer["fits"] is False and answer["placed_on"] is None
    assert answer["reasons"] == ["short of memory: needs 12 GiB, api-3 has 7.46 GiB free of 7.5 GiB"]


def test_pack_equals_the_cli():
    vbp = SOURCE / "fuzz/corpus/vbp/small.vbp"
    cli = cli_json("pack", vbp, "--format", "json", "--iterations", "1000")
    mine = berth.pack(vbp, iterations=1000)
    assert canonical(without_times(mine)) == canonical(without_times(cli))
    assert mine["bins"] == 3 and mine["proven_optimal"] is True
    # The default (no time limit) is the CLI's default: counted work, the same every run.
    assert canonical(without_times(berth.pack(vbp))) == canonical(without_times(cli_json("pack", vbp, "--format", "json")))
    # And from a dict, the same instance.
    lines = [l.split() for l in vbp.read_text().split("\n") if l.strip()]
    d = int(lines[0][0])
    inst = {"capacity": [int(x) for x in lines[1]],
            "items": [{"size": [int(x) for x in l[:d]], "demand": int(l[d])} for l in lines[3:]]}
    assert without_times(berth.pack(inst, iterations=1000)) == without_times(mine)


def test_pack_exact_and_all():
    vbp = SOURCE / "fuzz/corpus/vbp/small.vbp"
    exact = berth.pack(vbp, exact=True, iterations=10000)
    assert exact["strategy"] == "exact" and exact["proven_optimal"] is True
    cli = cli_json("pack", vbp, "--format", "json", "--strategy", "all", "--iterations", "500")
    assert canonical(without_times(berth.pack(vbp, strategy="all", iterations=500))) == canonical(without_times(cli))


def test_capacity_equals_the_cli():
    work, cat = SOURCE / "examples/capacity/workload.json", SOURCE / "examples/capacity/catalogue.json"
    cli = cli_json("capacity", work, "-t", cat, "--format", "json", "--iterations", "2000", "--headroom", "1")
    mine = berth.capacity(work, cat, headroom=1, iterations=2000)
    assert canonical(without_times(mine)) == canonical(without_times(cli))
    # Dicts in, the same plan out.
    mine2 = berth.capacity(json.loads(work.read_text()), json.loads(cat.read_text()), headroom=1, iterations=2000)
    assert canonical(without_times(mine2)) == canonical(without_times(cli))


def test_reboot_plan_equals_the_cli():
    cli = cli_json("reboot-plan", REBOOT, "--format", "json", "--budget", "api=1")
    mine = berth.reboot_plan(REBOOT, budgets=["api=1"])
    assert canonical(mine) == canonical(cli)
    assert mine["safe"] is True and len(mine["waves"]) == 3
    cli2 = cli_json("reboot-plan", REBOOT, "--format", "json", "--max-unavailable", "2")
    assert canonical(berth.reboot_plan(REBOOT, max_unavailable=2)) == canonical(cli2)
    with pytest.raises(berth.UsageError) as e:
        berth.reboot_plan(REBOOT, max_unavailable=0)
    assert e.value.id == "berth.usage.362"


NODES = {"kind": "NodeList", "items": [
    {"metadata": {"name": "node-1", "labels": {"topology.kubernetes.io/zone": "a"}},
     "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}},
    {"metadata": {"name": "node-2", "labels": {"topology.kubernetes.io/zone": "b"}},
     "status": {"allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110"}}}]}
PODS = {"kind": "PodList", "items": [
    {"metadata": {"name": "web-1", "namespace": "default"},
     "spec": {"nodeName": "node-1", "containers": [{"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]},
     "status": {"phase": "Running"}},
    {"metadata": {"name": "batch", "namespace": "jobs"},
     "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "2", "memory": "2Gi"}}}]},
     "status": {"phase": "Pending"}}]}


def test_import_kube_equals_the_cli(tmp_path):
    nodes, pods = tmp_path / "nodes.json", tmp_path / "pods.json"
    nodes.write_text(json.dumps(NODES))
    pods.write_text(json.dumps(PODS))
    code, out, err = run_cli("import", "kube", "--nodes", nodes, "--pods", pods)
    assert code == 0, err
    spec, summary = berth.import_kube(nodes=[nodes], pods=[str(pods)], summary=True)
    assert canonical(spec) == canonical(json.loads(out))
    assert summary == err
    # Parsed dumps give the same spec, and it places.
    assert canonical(berth.import_kube(nodes=NODES, pods=PODS)) == canonical(spec)
    assert len(spec["machines"]) == 2
    assert berth.place(spec)["pending"] == []


def test_import_kube_shared_data():
    # A real cluster dump (sonobuoy's health summary) from ../shared/data, when it is there.
    root = SOURCE.parent / "shared" / "data" / "kube" / "sonobuoy" / "healthsummary" / "resources"
    nodes = [root / "cluster" / "core_v1_nodes.json"]
    pods = sorted(root.glob("ns/*/core_v1_pods.json"))
    if not nodes[0].is_file() or not pods:
        pytest.skip(f"no kubectl dumps under {root}")
    code, out, err = run_cli("import", "kube", "--nodes", *nodes, "--pods", *pods)
    assert code == 0, err
    spec = berth.import_kube(nodes, pods)
    assert canonical(spec) == canonical(json.loads(out))
    assert spec["machines"] and spec["units"]


def test_import_kube_needs_input():
    with pytest.raises(berth.InvalidInput) as e:
        berth.import_kube()
    assert e.value.id == "berth.invalid.278"


def test_state_export_equals_the_cli(tmp_path):
    url = f"sqlite:{tmp_path / 'berth.db'}"
    code, out, err = run_cli("--store", url, "state", "import", REBOOT)
    assert code == 0, err
    code, out, err = run_cli("--store", url, "state", "export")
    assert code == 0, err
    assert canonical(berth.state_export(url)) == canonical(json.loads(out))
