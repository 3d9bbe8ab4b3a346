"""berth.place equals `berth place --format json`, byte for byte after json.dumps(sort_keys=True)."""
import json
import pathlib

import pytest

from conftest import SOURCE, berth, canonical, cli_json, run_cli
from specs import random_spec

EXAMPLES = ["examples/coreos-fleet/cluster.json", "examples/coreos-fleet/small-vm.json",
            "examples/compare/mixed.json", "examples/ops/coreos-reboot.json",
            "examples/capacity/cluster.json", "examples/capacity/workload.json",
            "examples/outcomes/mixed.json"]
STRATEGIES = ["best-fit", "least-loaded", "spread", "ffd-sum", "flow"]


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_examples_equal_the_cli(example, strategy):
    path = SOURCE / example
    expected = canonical(cli_json("place", path, "--format", "json", "--strategy", strategy))
    # The three ways in: a path, a JSON string, a dict.
    assert canonical(berth.place(path, strategy=strategy)) == expected
    assert canonical(berth.place(path.read_text(), strategy=strategy)) == expected
    assert canonical(berth.place(json.loads(path.read_text()), strategy=strategy)) == expected


def test_the_coreos_example_has_its_pending_unit():
    answer = berth.place(SOURCE / "examples/coreos-fleet/cluster.json")
    assert [p["unit"] for p in answer["pending"]] == ["analytics"]
    assert answer["pending"][0]["rejections"] == {"insufficient_memory": 12}
    assert len(answer["placements"]) == 27


@pytest.mark.parametrize("seed", range(40))
def test_random_specs_equal_the_cli(seed, tmp_path):
    spec = random_spec(seed)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    strategy = STRATEGIES[seed % len(STRATEGIES)]
    expected = canonical(cli_json("place", path, "--format", "json", "--strategy", strategy))
    assert canonical(berth.place(spec, strategy=strategy)) == expected, f"seed {seed}"


def test_random_specs_do_leave_units_pending():
    # The random cases above are only worth something if some of them leave units pending.
    pending = sum(1 for seed in range(40) if berth.place(random_spec(seed))["pending"])
    assert pending >= 5


PREEMPT = {"machines": [{"name": "m1", "capacity": {"cpu": "4", "memory": "4Gi"}},
                        {"name": "m2", "capacity": {"cpu": "4", "memory": "4Gi"}}],
           "units": [{"name": "batch", "replicas": 4, "priority": -1, "requests": {"cpu": "2", "memory": "1Gi"}},
                     {"name": "front", "priority": 10, "requests": {"cpu": "3", "memory": "1Gi"}}],
           "placements": {"batch@1": "m1", "batch@2": "m1", "batch@3": "m2", "batch@4": "m2"}}


@pytest.mark.parametrize("example", ["preempt", "examples/outcomes/mixed.json"])
def test_preempt_is_the_cli_preempt(example, tmp_path):
    if example == "preempt":
        path = tmp_path / "preempt.json"
        path.write_text(json.dumps(PREEMPT))
    else:
        path = SOURCE / example
    expected = cli_json("place", path, "--format", "json", "--preempt")
    mine = berth.place(path, preempt=True)
    assert canonical(mine) == canonical(expected)
    if example == "preempt":  # front evicted a batch replica, which is pending, not lost
        assert mine["preemptions"] and mine["preemptions"][0]["unit"] == "front"
        assert "front" in mine["placements"]
        assert len(mine["placements"]) + len(mine["pending"]) == 5
    assert canonical(berth.place(path)) == canonical(cli_json("place", path, "--format", "json"))
    # The page lists the preemptions too.
    code, page, err = run_cli("place", path, "--format", "html", "--preempt")
    assert page == berth.place_html(path, preempt=True)
    if example == "preempt":
        assert '<tr class="preemption"' in page


def test_strict_is_the_cli_strict():
    path = SOURCE / "examples/outcomes/mixed.json"
    code, out, err = run_cli("place", path, "--strict", "--format", "json")
    assert code == 1
    with pytest.raises(berth.InvalidInput) as e:
        berth.place(path, strict=True)
    assert "berth: error: " + str(e.value) == err.strip()
    # Not strict (the default): the contradictions are pending, unresolvable, with their line.
    answer = berth.place(path)
    contradictions = [p for p in answer["pending"] if "contradiction" in p]
    assert contradictions and all(p["status"] == "unresolvable" for p in contradictions)
    with pytest.raises(berth.InvalidInput):
        berth.Cluster(path, strict=True)
    # Cluster.place_pending gives one entry per pending group (place() one per member, in
    # another order): each is place()'s entry for that instance.
    entries = {p["unit"]: p for p in answer["pending"]}
    groups = berth.Cluster(path).place_pending()
    assert groups and all(entries[g["unit"]] == g for g in groups)
    assert {m for g in groups for m in g.get("placed_with", [g["unit"]])} == set(entries)


def test_strategies_lists_every_name():
    names = berth.strategies()
    assert names[:5] == ["least-loaded", "first-fit", "best-fit", "spread", "dot-product"]
    assert "flow" in names and "local-search" in names


@pytest.mark.parametrize("example", ["examples/coreos-fleet/cluster.json", "examples/outcomes/mixed.json"])
@pytest.mark.parametrize("group_by", ["zone", "role", ""])
def test_place_html_is_the_cli_page(example, group_by, tmp_path):
    code, out, err = run_cli("place", SOURCE / example, "--format", "html", "--group-by", group_by)
    assert code == 2, err
    page = berth.place_html(SOURCE / example, group_by=group_by)
    assert page == out
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
