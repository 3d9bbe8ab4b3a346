"""Shared helpers of the Python tests: run by ctest (python/CMakeLists.txt) with PYTHONPATH set
to build/python, BERTH_CLI to the CLI built beside the module, BERTH_SOURCE_DIR to the checkout."""
import json
import os
import pathlib
import subprocess

import pytest

berth = pytest.importorskip("berth", reason="the berth module is not on PYTHONPATH (build it: BERTH_PYTHON)")

SOURCE = pathlib.Path(os.environ.get("BERTH_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CLI = os.environ.get("BERTH_CLI", str(SOURCE / "build" / "bin" / "berth"))


def canonical(value):
    """The comparison the issue asks for: json.dumps(sort_keys=True)."""
    return json.dumps(value, sort_keys=True)


def run_cli(*args, stdin=None):
    """(exit code, stdout, stderr) of the CLI."""
    if not os.access(CLI, os.X_OK):
        pytest.skip(f"the berth CLI is not built ({CLI}): nothing to compare with")
    p = subprocess.run([CLI, *map(str, args)], input=stdin, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def cli_json(*args):
    code, out, err = run_cli(*args)
    assert code in (0, 2), f"berth {' '.join(map(str, args))} exited {code}: {err}"
    return json.loads(out)


@pytest.fixture(scope="session")
def source():
    return SOURCE
