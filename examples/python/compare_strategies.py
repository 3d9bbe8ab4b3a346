#!/usr/bin/env python3
"""Compare berth's placement strategies on one workload: a table and a plot.

    PYTHONPATH=build/python python3 examples/python/compare_strategies.py              # generated
    PYTHONPATH=build/python python3 examples/python/compare_strategies.py \\
        --nodes nodes.json --pods pods.json                                            # a kube dump
    ... --machines 300 --seed 7 --strategies best-fit,spread,ffd-sum,flow --out plot.png

The workload is either a kubectl dump (``kubectl get nodes -o json``, ``kubectl get pods -A -o
json``) imported with berth.import_kube, every pod re-placed from scratch (its current node is
dropped), or a generated one: machines of a few shapes and a mix of CPU-heavy, memory-heavy and
balanced services sized to fill most of the cluster, which is where strategies differ.

For each strategy it prints machines used, stranded capacity (free capacity on machines where no
unit fits any more, because another dimension is full: fragmentation) and pending instances, and
saves a PNG with the same three panels. Numbers come from berth.compare, i.e. `berth compare`.
"""
import argparse
import json
import random
import sys

import berth


def generated_workload(machines, seed):
    """Machines of four shapes over three zones; services whose total demand is ~90% of the
    cluster's CPU and memory, in three kinds that pack well only when mixed."""
    rng = random.Random(seed)
    shapes = [(16, 64), (32, 128), (8, 64), (16, 32)]  # cores, GiB
    ms = []
    total_cpu = total_mem = 0
    for k in range(machines):
        cpu, mem = shapes[k % len(shapes)]
        total_cpu += cpu
        total_mem += mem
        ms.append({"name": f"node-{k + 1}", "capacity": {"cpu": str(cpu), "memory": f"{mem}Gi"},
                   "metadata": {"zone": "abc"[k % 3]}})
    kinds = [("encoder", (4000, 6000), (2, 6)),    # millicores, GiB: CPU-heavy
             ("cache", (500, 1500), (12, 24)),     # memory-heavy
             ("api", (1000, 2000), (2, 4))]        # balanced
    units, cpu_used, mem_used, n = [], 0, 0, 0
    while cpu_used < 0.9 * total_cpu * 1000 and mem_used < 0.9 * total_mem:
        name, (c_lo, c_hi), (m_lo, m_hi) = kinds[n % len(kinds)]
        cpu = rng.randrange(c_lo, c_hi + 1, 250)
        mem = rng.randint(m_lo, m_hi)
        replicas = rng.randint(2, 8)
        units.append({"name": f"{name}-{n + 1}", "replicas": replicas,
                      "requests": {"cpu": f"{cpu}m", "memory": f"{mem}Gi"}})
        cpu_used += cpu * replicas
        mem_used += mem * replicas
        n += 1
    return {"machines": ms, "units": units}


def kube_workload(nodes, pods):
    spec = berth.import_kube(nodes=nodes, pods=pods)
    spec.pop("placements", None)  # re-place every pod: compare strategies, not history
    return spec


def table(rows, dims):
    head = f"{'strategy':<16}{'machines':>10}{'pending':>9}" + "".join(f"{d + ' strand%':>16}" for d in dims)
    lines = [head, "-" * len(head)]
    for r in rows:
        line = f"{r['strategy']:<16}{r['machines_used']:>6}/{r['machines_up']:<3}{r['pending']:>9}"
        for d in dims:
            line += f"{100 * r['dimensions'][d]['stranded_fraction']:>16.1f}"
        lines.append(line)
    return "\n".join(lines)


def plot(rows, dims, title, out):
    import matplotlib
    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    names = [r["strategy"] for r in rows]
    x = range(len(names))
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), constrained_layout=True)
    used = [r["machines_used"] for r in rows]
    axes[0].bar(x, used, color="#4c72b0")
    # The differences are a few percent of the cluster: start the axis near the smallest.
    axes[0].set_ylim(max(0, min(used) - max(2, 0.05 * max(used))), rows[0]["machines_up"] * 1.02)
    axes[0].axhline(rows[0]["machines_up"], color="#888", lw=1, ls="--", label="machines up")
    axes[0].set_title("machines used (fewer is tighter)")
    axes[0].legend(loc="lower right", fontsize=8)
    width = 0.8 / max(1, len(dims))
    for k, d in enumerate(dims):
        axes[1].bar([i + (k - (len(dims) - 1) / 2) * width for i in x],
                    [100 * r["dimensions"][d]["stranded_fraction"] for r in rows], width, label=d)
    axes[1].set_title("stranded capacity, % of the cluster")
    axes[1].legend(fontsize=8)
    axes[2].bar(x, [r["pending"] for r in rows], color="#c44e52")
    axes[2].set_title("pending instances")
    for ax in axes:
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nodes", nargs="+", help="kubectl get nodes -o json dumps")
    p.add_argument("--pods", nargs="+", help="kubectl get pods -A -o json dumps")
    p.add_argument("--spec", help="a berth spec (JSON) instead")
    p.add_argument("--machines", type=int, default=200, help="generated workload: machines (default 200)")
    p.add_argument("--seed", type=int, default=1, help="generated workload: seed (default 1)")
    p.add_argument("--strategies", default="all", help="comma-separated names, or all (default)")
    p.add_argument("--out", default="compare_strategies.png", help="the plot (PNG)")
    p.add_argument("--json", help="also write berth.compare's answer here")
    a = p.parse_args(argv)

    if a.nodes or a.pods:
        spec, source = kube_workload(a.nodes or [], a.pods or []), "kube dump"
    elif a.spec:
        with open(a.spec) as f:
            spec, source = json.load(f), a.spec
    else:
        spec, source = generated_workload(a.machines, a.seed), f"generated, seed {a.seed}"
    strategies = a.strategies if a.strategies == "all" else a.strategies.split(",")
    result = berth.compare(spec, strategies)
    rows = result["strategies"]
    dims = [d for d in ("cpu", "memory") if d in rows[0]["dimensions"]] or sorted(rows[0]["dimensions"])
    title = f"{len(spec['machines'])} machines, {result['instances']} instances ({source})"
    print(title)
    print(table(rows, dims))
    plot(rows, dims, title, a.out)
    print(f"plot: {a.out}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except berth.Error as e:
        print(f"compare_strategies: error: {e}", file=sys.stderr)
        sys.exit(1)
