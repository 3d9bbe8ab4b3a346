"""berth.place equals `berth place --format json`, byte for byte after json.dumps(sort_keys=True)."""
import json
import pathlib

import pytest

from conftest import SOURCE, berth, canonical, cli_json, run_cli
from specs import random_spec

EXAMPLES = ["examples/coreos-fleet/cluster.json", "examples/coreos-fleet/small-vm.json",
            "examples/compare/mixed.json", "examples/ops/coreos-reboot.json",
            "examples/capacity/cluster.json", "examples/capacity/workload.json"]
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


def test_preempt_is_refused_not_ignored():
    with pytest.raises(berth.UsageError) as e:
        berth.place(SOURCE / "examples/coreos-fleet/cluster.json", preempt=True)
    assert e.value.id == "berth.usage.396"


def test_strategies_lists_every_name():
    names = berth.strategies()
    assert names[:5] == ["least-loaded", "first-fit", "best-fit", "spread", "dot-product"]
    assert "flow" in names and "local-search" in names


@pytest.mark.parametrize("group_by", ["zone", "role", ""])
def test_place_html_is_the_cli_page(group_by, tmp_path):
    code, out, err = run_cli("place", SOURCE / "examples/coreos-fleet/cluster.json", "--format", "html",
                             "--group-by", group_by)
    assert code == 2, err
    page = berth.place_html(SOURCE / "examples/coreos-fleet/cluster.json", group_by=group_by)
    assert page == out
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
