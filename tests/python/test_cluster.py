"""berth.Cluster: the object API a trace replay drives step by step."""
import pytest

from conftest import SOURCE, berth, canonical
from specs import random_spec

COREOS = SOURCE / "examples/coreos-fleet/cluster.json"


def test_place_pending_is_berth_place():
    expected = berth.place(COREOS)
    c = berth.Cluster(COREOS)
    pending = c.place_pending()
    assert canonical(pending) == canonical(expected["pending"])
    assert c.placements() == expected["placements"]
    assert c.overcommitted() == []


@pytest.mark.parametrize("seed", range(15))
def test_assign_replays_place_pending(seed):
    # Recording place_pending's placements one assign at a time gives the same cluster.
    spec = random_spec(seed)
    whole = berth.Cluster(spec)
    whole.place_pending()
    c = berth.Cluster(spec)
    for unit, machine in whole.placements().items():
        c.assign(unit, machine)
    assert c.placements() == whole.placements(), f"seed {seed}"
    for m in c.machines:
        assert c.used(m) == whole.used(m), f"seed {seed}"
    assert c.overcommitted() == []


@pytest.mark.parametrize("strategy", ["best-fit", "spread", "least-loaded", "first-fit"])
def test_select_then_assign_is_place_pending(strategy):
    # Identical units without constraints go in name order, so a Python loop of select + assign
    # must reproduce place_pending decision for decision: select is the engine's own choice.
    spec = {"machines": [{"name": f"m{k}", "capacity": {"cpu": str(2 + k % 3), "memory": f"{4 + 2 * (k % 2)}Gi"}}
                         for k in range(1, 9)],
            "units": [{"name": f"u{k}", "requests": {"cpu": "700m", "memory": "1Gi"}} for k in range(1, 31)]}
    whole = berth.Cluster(spec, strategy=strategy)
    pending = whole.place_pending()
    c = berth.Cluster(spec, strategy=strategy)
    for unit in c.instances:
        m = c.select(unit)
        if m is not None:
            c.assign(unit, m)
    assert c.placements() == whole.placements()
    assert len(pending) == len(c.instances) - len(c.placements())


def test_select_assign_unassign_and_states():
    c = berth.Cluster(COREOS)
    c.place_pending()
    assert c.machine_of("analytics") is None
    assert c.select("analytics") is None
    d = c.diagnose("analytics")
    assert d == berth.place(COREOS)["pending"][0]
    # Empty api-1 (api, api-lb and the global release-env instances run there).
    before = c.version
    on = sorted(u for u, m in c.placements().items() if m == "api-1")
    assert len(on) >= 3
    for u in on:
        c.unassign(u)
    assert c.version > before
    assert all(c.machine_of(u) is None for u in on)
    assert c.used("api-1") == {dim: 0 for dim in c.dimensions}
    assert c.free("api-1") == c.allocatable("api-1")
    movable = [u for u in on if not u.startswith("release-env@")]  # global ones are pinned
    assert c.fits(movable[0], "api-1")
    # Put one back where the engine would put it.
    target = c.select(movable[0])
    assert target is not None and c.fits(movable[0], target)
    c.assign(movable[0], target)
    assert c.machine_of(movable[0]) == target
    # A machine that goes down is never selected.
    c.set_state(target, "down")
    assert c.state(target) == "down"
    assert not c.fits(movable[1], target)
    assert c.select(movable[1]) != target
    c.set_state(target, "up")
    assert c.state(target) == "up"
    assert c.overcommitted() == []


def test_place_one_unit():
    c = berth.Cluster(COREOS)
    m = c.place("api@1")
    assert m is not None and c.machine_of("api@1") == m
    assert c.place("analytics") is None and c.machine_of("analytics") is None


def test_assign_never_refuses_but_overcommit_shows():
    c = berth.Cluster({"machines": [{"name": "m1", "capacity": {"cpu": "1", "memory": "1Gi"}}],
                       "units": [{"name": "big", "requests": {"cpu": "2", "memory": "512Mi"}}]})
    assert not c.fits("big", "m1")
    assert c.select("big") is None
    c.assign("big", "m1")
    assert c.overcommitted() == ["m1"]
    assert c.free("m1")["cpu"] == -1000


def test_a_trace_replay_is_fast():
    # 2,000 select+assign steps on 1,000 machines: well under a second at C++ speed.
    import time
    from specs import large_spec
    spec = large_spec(1000, units_per_machine=2, replicas=50)
    c = berth.Cluster(spec)
    t = time.perf_counter()
    placed = 0
    for unit in c.instances:
        m = c.select(unit)
        if m is not None:
            c.assign(unit, m)
            placed += 1
    elapsed = time.perf_counter() - t
    assert placed == 2000
    assert c.overcommitted() == []
    assert elapsed < 2.0, elapsed
