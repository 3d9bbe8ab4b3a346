"""Random specs for the Python tests, from a seed (printed by the tests that use them)."""
import random

ZONES = ["a", "b", "c"]
ROLES = ["api", "db", "web"]


def random_spec(seed, machines=None, units=None):
    rng = random.Random(seed)
    n_machines = machines if machines is not None else rng.randint(1, 25)
    n_units = units if units is not None else rng.randint(1, 20)
    ms = []
    for k in range(n_machines):
        m = {"name": f"m{k + 1}",
             "capacity": {"cpu": str(rng.choice([1, 2, 4, 8, 16])),
                          "memory": f"{rng.choice([1, 2, 4, 8, 32])}Gi"},
             "metadata": {"zone": rng.choice(ZONES), "role": rng.choice(ROLES)}}
        if rng.random() < 0.3:
            m["capacity"]["disk"] = f"{rng.choice([10, 100])}Gi"
        if rng.random() < 0.2:
            m["reserved"] = {"cpu": "500m"} if int(m["capacity"]["cpu"]) > 1 else {"memory": "128Mi"}
        if rng.random() < 0.1:
            m["state"] = rng.choice(["draining", "down", "rebooting"])
        ms.append(m)
    us = []
    for k in range(n_units):
        u = {"name": f"u{k + 1}",
             "requests": {"cpu": f"{rng.choice([100, 250, 500, 1000, 3000])}m",
                          "memory": f"{rng.choice([64, 256, 512, 2048, 6144])}Mi"}}
        if rng.random() < 0.5:
            u["replicas"] = rng.randint(1, 6)
        c = {}
        if rng.random() < 0.3:
            c["metadata"] = {"role": rng.choice(ROLES)}
        if rng.random() < 0.25 and "replicas" in u:
            c["conflicts"] = [f"u{k + 1}@*"]
        if rng.random() < 0.2 and "replicas" in u:
            c["spread"] = {"key": "zone", "max_skew": 1}
        if rng.random() < 0.1:
            u["priority"] = rng.randint(1, 10)
        if c:
            u["constraints"] = c
        us.append(u)
    return {"machines": ms, "units": us}


def large_spec(machines, units_per_machine=2, replicas=50):
    """A big, regular spec: a few machine shapes over three zones, units of 50 replicas."""
    shapes = [("16", "64Gi"), ("8", "32Gi"), ("32", "128Gi"), ("4", "16Gi")]
    ms = [{"name": f"m{k}", "capacity": {"cpu": shapes[k % 4][0], "memory": shapes[k % 4][1]},
           "metadata": {"zone": ZONES[k % 3]}} for k in range(machines)]
    n_units = machines * units_per_machine // replicas
    sizes = [("500m", "1Gi"), ("2", "4Gi"), ("1", "8Gi"), ("250m", "512Mi")]
    us = [{"name": f"svc{k}", "replicas": replicas,
           "requests": {"cpu": sizes[k % 4][0], "memory": sizes[k % 4][1]}} for k in range(n_units)]
    return {"machines": ms, "units": us}
