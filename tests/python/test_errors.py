"""Every error class: the id is the CLI's stable id, the message the CLI's line."""
import json

import pytest

from conftest import SOURCE, berth, run_cli

COREOS = SOURCE / "examples/coreos-fleet/cluster.json"


def cli_error(*args):
    code, out, err = run_cli(*args)
    assert code == 1, (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("berth: error: [berth."), err
    return lines[0][len("berth: error: "):]


def check(exc_info, cls, cli_line):
    e = exc_info.value
    assert type(e) is cls
    assert isinstance(e, berth.Error)
    assert str(e) == cli_line
    assert e.id == cli_line[1:cli_line.index("]")]
    assert e.id.startswith("berth.")
    category, code = e.id.split(".")[1:]
    assert (e.category, e.code) == (category, int(code))
    assert cli_line.endswith(e.detail)


def test_parse_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"machines": [\n  {"name": "m1",}\n]}')
    with pytest.raises(berth.ParseError) as e:
        berth.place(bad)
    check(e, berth.ParseError, cli_error("place", bad, "--format", "json"))
    assert e.value.id.startswith("berth.parse_error.")
    # A JSON string is named <spec> in the location.
    with pytest.raises(berth.ParseError, match=r"<spec>:2:"):
        berth.place(bad.read_text())


def test_invalid_input(tmp_path):
    spec = {"machines": [{"name": "m1", "capacity": {"cpu": "2", "memory": "-1Gi"}}], "units": []}
    path = tmp_path / "neg.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(berth.InvalidInput) as e:
        berth.place(path)
    check(e, berth.InvalidInput, cli_error("place", path, "--format", "json"))
    assert e.value.id == "berth.invalid.201"
    with pytest.raises(berth.InvalidInput):
        berth.place(spec)  # the same from a dict


def test_usage_error():
    with pytest.raises(berth.UsageError) as e:
        berth.place(COREOS, strategy="bestfit")
    check(e, berth.UsageError, cli_error("place", COREOS, "--strategy", "bestfit"))
    assert e.value.id == "berth.usage.302"
    assert 'did you mean "best-fit"' in str(e.value)


def test_usage_errors_of_compare_explain_pack():
    with pytest.raises(berth.UsageError) as e:
        berth.compare(COREOS, ["best-fit", "best-fit"])
    check(e, berth.UsageError, cli_error("compare", COREOS, "--strategies", "best-fit,best-fit"))
    with pytest.raises(berth.UsageError) as e:
        berth.explain(COREOS, "analytcs", "api-3")
    check(e, berth.UsageError, cli_error("explain", COREOS, "analytcs", "api-3"))
    with pytest.raises(berth.UsageError) as e:
        berth.explain(COREOS, "analytics", "api-33")
    check(e, berth.UsageError, cli_error("explain", COREOS, "analytics", "api-33"))
    vbp = SOURCE / "fuzz/corpus/vbp/small.vbp"
    with pytest.raises(berth.UsageError) as e:
        berth.pack(vbp, strategy="nope")
    check(e, berth.UsageError, cli_error("pack", vbp, "--strategy", "nope"))


def test_store_error(tmp_path):
    not_a_db = tmp_path / "not-a-db"
    not_a_db.write_text("this is not an SQLite database, it is plain text " * 20)
    url = f"sqlite:{not_a_db}"
    with pytest.raises(berth.StoreError) as e:
        berth.state_export(url)
    check(e, berth.StoreError, cli_error("--store", url, "state", "export"))
    assert e.value.id.startswith("berth.store.4")


def test_a_missing_file_is_the_cli_error(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(berth.UsageError) as e:
        berth.place(missing)
    check(e, berth.UsageError, cli_error("place", missing))
    assert e.value.id == "berth.usage.301"


def test_wrong_argument_types_are_usage_errors():
    with pytest.raises(berth.UsageError) as e:
        berth.place(42)
    assert e.value.id == "berth.usage.395" and "spec must be" in str(e.value)
    assert str(e.value).startswith("[berth.usage.395] ")
    with pytest.raises(berth.UsageError):
        berth.compare(COREOS, ["best-fit", 3])
    with pytest.raises(berth.UsageError):
        berth.pack({"capacity": [10]})  # no items


def test_cluster_names_and_states():
    c = berth.Cluster(COREOS)
    with pytest.raises(berth.UsageError) as e:
        c.select("nope")
    assert e.value.id == "berth.usage.306"
    with pytest.raises(berth.UsageError) as e:
        c.assign("analytics", "nowhere")
    assert e.value.id == "berth.usage.307"
    with pytest.raises(berth.UsageError) as e:
        c.set_state("api-3", "asleep")
    assert e.value.id == "berth.usage.398"


def test_errors_are_one_hierarchy():
    for cls in (berth.ParseError, berth.InvalidInput, berth.UsageError, berth.StoreError):
        assert issubclass(cls, berth.Error) and issubclass(cls, Exception)
    assert not issubclass(berth.ParseError, berth.UsageError)


def test_values_json_cannot_hold():
    with pytest.raises(berth.UsageError) as e:
        berth.place({"machines": [], "units": [{"name": "x", "requests": {"cpu": {1, 2}}}]})
    assert e.value.id == "berth.usage.395" and "not JSON" in str(e.value)


def test_garbage_never_crashes():
    # Seeded garbage through every entry point that reads text: always a berth.Error.
    import random
    rng = random.Random(19)
    pieces = ['{', '}', '[', ']', '"machines"', '"units"', ':', ',', '"cpu"', '"-1"', '1e999', 'null',
              '"name"', '"m1"', '"capacity"', '\x00', '\ud800', '"requests"', '"replicas"', '-5', '"2Gi"']
    for k in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for call in (lambda: berth.place(text), lambda: berth.Cluster(text), lambda: berth.compare(text, ["best-fit"]),
                     lambda: berth.explain(text, "a", "b"), lambda: berth.reboot_plan(text)):
            try:
                call()
            except berth.Error:
                pass
