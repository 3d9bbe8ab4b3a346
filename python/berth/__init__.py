"""berth from Python: placement with hard constraints, explanations, packing, capacity plans.

Every function is a thin layer over the C++ library (berth._native) and answers with exactly
the JSON the CLI verb of the same name prints (``--format json``), as Python dicts and lists.
See docs/python.md.

Inputs: a spec (or workload, catalogue, kubectl dump) is a dict (or list), a JSON string, or a
path given as ``pathlib.Path`` (or any ``os.PathLike``), which is read as the CLI reads files.
Errors raise ``berth.Error`` subclasses whose ``.id`` is the stable id (``berth.invalid.201``,
docs/errors.md) and whose message is the line the CLI prints after ``berth: error:``.
"""

import atexit as _atexit
import json as _json
import os as _os

from . import _native
from ._native import Error, InvalidInput, ParseError, StoreError, UsageError

__all__ = [
    "Cluster", "Error", "InvalidInput", "ParseError", "StoreError", "UsageError", "capacity",
    "compare", "explain", "import_kube", "pack", "place", "place_html", "reboot_plan",
    "state_export", "strategies", "use_cli_allocator_policy",
]
__version__ = "0.1.0"

# Work abandoned after Ctrl-C finishes in the background; the process waits for it at exit
# (a second Ctrl-C stops waiting) rather than tear the library down under it.
_atexit.register(_native._wait_for_abandoned)


def _usage(code, message):
    """A berth.UsageError raised by this module's own argument checks (ids usage.395-397)."""
    err = UsageError(f"[berth.usage.{code}] {message}")
    err.id, err.category, err.code, err.detail = f"berth.usage.{code}", "usage", code, message
    return err


def _b(text):
    """UTF-8 bytes for the library. Lone surrogates (which a str may hold and UTF-8 may not)
    pass through as the bytes they stand for, so the library reports them like any bad byte."""
    return text.encode("utf-8", "surrogatepass")


def _source(value, what):
    """(text, is_path) for the library: a path for os.PathLike, JSON text otherwise."""
    if isinstance(value, _os.PathLike):
        return _os.fsencode(value), True
    if isinstance(value, str):
        return _b(value), False
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), False
    if isinstance(value, (dict, list)):
        try:
            return _json.dumps(value), False
        except (TypeError, ValueError) as e:  # a value JSON cannot hold (a set, NaN is fine)
            raise _usage(395, f"{what} is not JSON: {e}") from None
    raise _usage(395, f"{what} must be a dict, a JSON string or a path (pathlib.Path), "
                      f"not {type(value).__name__}")


def _strategy(strategy):
    if not isinstance(strategy, str):
        raise _usage(395, f"strategy must be a str, not {type(strategy).__name__}")
    return _b(strategy)


def use_cli_allocator_policy():
    """Opt-in: give this whole process the allocator policy the berth CLI sets for itself (glibc:
    no fast bins, the main heap on transparent huge pages, every thread on that heap). Large
    placements then run as fast as the CLI's; the cost is the host's: other threads share one
    malloc arena and the heap keeps up to 1 GiB of address space reserved. Call it early, before
    other threads allocate. Returns False where it cannot (not glibc)."""
    return bool(_native.use_cli_allocator_policy())


def strategies():
    """Every strategy name place() accepts: the online ones, then the batch ones."""
    return list(_native.strategies())


def place(spec, strategy="best-fit", preempt=False, strict=False):
    """What ``berth place SPEC --strategy S --format json`` prints, as a dict:
    ``{"placements", "pending", "utilization", "warnings"}`` and, when non-empty,
    ``"preemptions"`` and ``"preferences_met"`` (docs/cli.md#place). ``preempt``: the CLI's
    ``--preempt`` (a pending unit may evict strictly lower-priority ones); ``strict``: its
    ``--strict`` (a unit that contradicts itself is an InvalidInput error instead of pending)."""
    text, is_path = _source(spec, "spec")
    return _native.place(text, is_path, _strategy(strategy), bool(preempt), bool(strict))


def place_html(spec, strategy="best-fit", group_by="zone", preempt=False, strict=False):
    """What ``berth place SPEC --format html --group-by KEY`` writes: one self-contained page."""
    if not hasattr(_native, "place_html"):
        raise _usage(397, "this berth was built without the placement HTML report")
    text, is_path = _source(spec, "spec")
    return _native.place_html(text, is_path, _strategy(strategy), _b(str(group_by)), bool(preempt), bool(strict))


def compare(spec, strategies="all"):
    """What ``berth compare SPEC --strategies a,b --format json`` prints: ``{"instances",
    "strategies": [{"strategy", "placed", "pending", "machines_used", ...}]}``. ``strategies``
    is a list of names or ``"all"``."""
    if isinstance(strategies, str):
        names = _b(strategies)
    else:
        names = list(strategies)
        if not all(isinstance(n, str) for n in names):
            raise _usage(395, "strategies must be \"all\" or a list of strategy names")
        names = _b(",".join(names))  # the CLI's list, so its checks (usage.390-392, 302) apply
    text, is_path = _source(spec, "spec")
    return _json.loads(_native.compare(text, is_path, names))


def explain(spec, unit, machine, strategy="best-fit"):
    """What ``berth explain SPEC UNIT MACHINE --format json`` prints: ``{"unit", "machine",
    "fits", "reasons", "placed_on"}``."""
    text, is_path = _source(spec, "spec")
    return _json.loads(_native.explain(text, is_path, _b(str(unit)), _b(str(machine)), _strategy(strategy)))


def _vbp_text(instance):
    """A .vbp text from {"capacity": [...], "items": [[sizes...] or {"size": [...], "demand": k}]}."""
    try:
        capacity = [int(c) for c in instance["capacity"]]
        lines = [str(len(capacity)), " ".join(map(str, capacity)), str(len(instance["items"]))]
        for item in instance["items"]:
            size, demand = (item["size"], item.get("demand", 1)) if isinstance(item, dict) else (item, 1)
            lines.append(" ".join(str(int(s)) for s in size) + f" {int(demand)}")
    except (KeyError, TypeError, ValueError) as e:
        raise _usage(395, f"a packing instance dict needs \"capacity\": [ints] and \"items\": "
                          f"[[ints] or {{\"size\": [ints], \"demand\": int}}] ({e})") from None
    return "\n".join(lines) + "\n"


def pack(path_or_instance, time_limit=None, exact=False, strategy="search", seed=1, iterations=0):
    """What ``berth pack INSTANCE --format json`` prints. ``path_or_instance``: a .vbp file
    (str or path) or a dict {"capacity": [...], "items": [...]}. ``time_limit=None`` is the
    CLI's default (1 s of counted work: the same answer on every run); a number is CPU seconds,
    as ``--time-limit``."""
    if isinstance(path_or_instance, dict):
        text, is_path = _b(_vbp_text(path_or_instance)), False
    elif isinstance(path_or_instance, (str, _os.PathLike)):
        text, is_path = _os.fsencode(path_or_instance), True
    else:
        raise _usage(395, "path_or_instance must be a .vbp path or a dict, "
                          f"not {type(path_or_instance).__name__}")
    limit = None if time_limit is None else float(time_limit)
    return _json.loads(_native.pack(text, is_path, _strategy(strategy), limit, bool(exact), int(seed),
                                    int(iterations)))


def capacity(workload, machine_types, headroom=None, zone_key="zone", strategy="best-fit",
             iterations=20000, time_limit=None, seed=1, max_scenarios=5000):
    """What ``berth capacity WORKLOAD -t TYPES --format json`` prints. ``headroom``: None (0),
    an int N (survive losing any N machines) or "zone"."""
    w, w_path = _source(workload, "workload")
    t, t_path = _source(machine_types, "machine_types")
    room = "0" if headroom is None else str(headroom)
    limit = None if time_limit is None else float(time_limit)
    return _json.loads(_native.capacity(w, w_path, t, t_path, _b(room), _b(str(zone_key)), _strategy(strategy),
                                        int(iterations), limit, int(seed), int(max_scenarios)))


def reboot_plan(spec, max_unavailable=1, budgets=(), machines="*", zone_key="zone", strategy="best-fit"):
    """What ``berth reboot-plan SPEC --format json`` prints. ``budgets``: strings as
    ``--budget`` takes them (``"api=1"``, ``"db:min_available=2"``)."""
    if isinstance(budgets, str):
        budgets = [budgets]
    text, is_path = _source(spec, "spec")
    return _json.loads(_native.reboot_plan(text, is_path, _b(str(machines)), int(max_unavailable),
                                           [_b(str(b)) for b in budgets], _b(str(zone_key)), _strategy(strategy)))


def _kube_docs(docs, what):
    out = []
    for k, d in enumerate([docs] if isinstance(docs, (str, dict, _os.PathLike)) else list(docs)):
        if isinstance(d, (str, _os.PathLike)):
            out.append((b"", _os.fsencode(d)))  # a file, as --nodes/--pods take them
        elif isinstance(d, (dict, list)):
            try:
                out.append((_b(f"<{what}[{k}]>"), _b(_json.dumps(d))))
            except (TypeError, ValueError) as e:
                raise _usage(395, f"{what}[{k}] is not JSON: {e}") from None
        else:
            raise _usage(395, f"{what} must be paths or parsed kubectl JSON (dict or list), "
                              f"not {type(d).__name__}")
    return out


def import_kube(nodes=(), pods=(), summary=False):
    """The spec ``berth import kube --nodes ... --pods ...`` writes, as a dict. ``nodes`` and
    ``pods``: files (str or path) or already parsed ``kubectl get ... -o json`` output. With
    ``summary=True``: (spec, the summary the CLI prints on standard error)."""
    spec, text = _native.import_kube(_kube_docs(nodes, "nodes"), _kube_docs(pods, "pods"))
    spec = _json.loads(spec)
    return (spec, text) if summary else spec


def state_export(store):
    """What ``berth --store URL state export`` prints: the stored cluster as a spec dict
    (``store``: ``sqlite:PATH``, ``etcd:http://HOST:PORT``, docs/stores.md)."""
    return _json.loads(_native.state_export(_b(str(store))))


class Cluster(_native.Cluster):
    """A compiled, mutable cluster with its placer, driven step by step (simulations, trace
    replays) at C++ speed. Units are instance names (``web@3``; a bare replicated name means
    its first replica); machines are names. ``assign`` never refuses (as the C++
    ``Cluster::assign``): check with ``fits`` first, or use ``place``."""

    def __init__(self, spec, strategy="best-fit", strict=False):
        text, is_path = _source(spec, "spec")
        super().__init__(text, is_path, _strategy(strategy), bool(strict))

    def diagnose(self, unit):
        """Why the instance's group fits nowhere (or where it would): a ``pending[]`` entry of
        ``berth place --format json``, computed on the cluster as it is now."""
        return _json.loads(self._diagnose(_b(str(unit))))

    def place_pending(self):
        """Places every unplaced instance in batch order (as berth place); returns one
        ``pending[]`` entry per co-location group left pending (berth place lists every member
        of such a group; the entry's ``placed_with`` names them)."""
        return _json.loads(self._place_pending())
