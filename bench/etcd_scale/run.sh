#!/bin/sh
# A default-flags etcd (only its data dir and listen URLs: 128 operations per txn, 1.5 MiB per
# request) takes a 5,000-machine / 50,000-unit cluster through the CLI: `state import` of the
# machines, `place` of the units, `state export`; an independent checker (Python, not berth)
# reads the export and verifies every unit placed once, no machine over its capacity.
#
#   bench/etcd_scale/run.sh BUILD_DIR [MACHINES] [UNITS]
#   MODE=import-all bench/etcd_scale/run.sh ...   (import machines and units, then `place` an
#                                                  empty spec: the stored pending units)
# Prints the wall time of each verb. Needs /usr/bin/etcd and /usr/bin/python3.
set -eu
build=${1:?usage: run.sh BUILD_DIR [MACHINES] [UNITS]}
machines=${2:-5000}
units=${3:-50000}
berth=$(cd "$build" && pwd)/bin/berth
py=/usr/bin/python3
work=$(mktemp -d /tmp/berth-etcd-scale-XXXXXX)
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
peer=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
etcd --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" \
  --advertise-client-urls "http://127.0.0.1:$port" --listen-peer-urls "http://127.0.0.1:$peer" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "default=http://127.0.0.1:$peer" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null; rm -rf "$work"' EXIT
store="etcd:http://127.0.0.1:$port"
for i in $(seq 50); do
  "$berth" --store "$store" state show >/dev/null 2>&1 && break
  sleep 0.2
done

# Machines of 16 cpu / 64 GiB; units of 1 cpu / 2 GiB (and 0.5 cpu / 1 GiB every other):
# 50,000 units take 75% of 5,000 machines' cpu.
$py - "$work" "$machines" "$units" <<'PY'
import json, sys
work, machines, units = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ms = [{"name": f"m{i:05}", "capacity": {"cpu": "16", "memory": "64Gi"},
       "metadata": {"zone": f"z{i % 4}", "rack": f"r{i % 50}"}} for i in range(machines)]
us = [{"name": f"u{i:06}", "requests": ({"cpu": "1", "memory": "2Gi"} if i % 2 == 0 else
                                        {"cpu": "500m", "memory": "1Gi"})} for i in range(units)]
json.dump({"machines": ms}, open(f"{work}/machines.json", "w"))
json.dump({"machines": [], "units": us}, open(f"{work}/units.json", "w"))
json.dump({"machines": ms, "units": us}, open(f"{work}/all.json", "w"))
json.dump({"machines": [], "units": []}, open(f"{work}/empty.json", "w"))
PY

step() {
  name=$1; shift
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  printf '%-7s %6.1f s\n' "$name" "$(echo "$end - $start" | bc)" >&2
}
cd "$work"
if [ "${MODE:-}" = import-all ]; then
  step import "$berth" --store "$store" state import all.json
  step place "$berth" --store "$store" place empty.json --format json >place.json 2>place.err || true
else
  step import "$berth" --store "$store" state import machines.json
  step place "$berth" --store "$store" place units.json --format json >place.json 2>place.err || true
fi
cat place.err
step export sh -c "'$berth' --store '$store' state export >export.json"
$py - "$work" "$machines" "$units" <<'PY'
import json, sys
work, machines, units = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def qty(v):  # cpu in millicores, memory in bytes (only the forms the generator writes)
    v = str(v)
    if v.endswith("m"): return int(v[:-1])
    if v.endswith("Gi"): return int(v[:-2]) << 30
    return int(v) * 1000
exp = json.load(open(f"{work}/export.json"))
place = json.load(open(f"{work}/place.json"))
cap = {m["name"]: (qty(m["capacity"]["cpu"]), qty(m["capacity"]["memory"])) for m in exp["machines"]}
req = {u["name"]: (qty(u["requests"]["cpu"]), qty(u["requests"]["memory"])) for u in exp["units"]}
used = {}
for inst, m in exp.get("placements", {}).items():
    c, mem = req[inst]
    a = used.setdefault(m, [0, 0]); a[0] += c; a[1] += mem
over = [m for m, (c, mem) in used.items() if c > cap[m][0] or mem > cap[m][1]]
print(f"export: {len(exp['machines'])} machines, {len(exp['units'])} units, "
      f"{len(exp.get('placements', {}))} placements; overcommitted machines: {len(over)}; "
      f"store: {json.dumps(place.get('store'))}")
ok = len(exp["machines"]) == machines and len(exp["units"]) == units and \
     len(exp.get("placements", {})) == units and not over
print("OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
