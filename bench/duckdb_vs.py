#!/usr/bin/env python3
"""leadpolicy against DuckDB on the same job, side by side: decide every lead of a generated
export under a policy and write the decisions as CSV. DuckDB gets its native CSV reader and the
policy as one SQL query (`leadpolicy sql --dialect duckdb`, the compiled decision record).

Runs the two commands in interleaved pairs, each in a fresh process, and prints every run's wall
time and peak memory, the medians and the ratios, then checks that both outputs decide every lead
the same way. usage: bench/duckdb_vs.py [--rows 1000000] [--pairs 5] [--bin PATH] [--policy P]"""
import argparse, csv, os, statistics, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--pairs", type=int, default=5)
ap.add_argument("--bin", default="leadpolicy")
ap.add_argument("--policy", default="policies/draft.toml")
ap.add_argument("--dir", default=None)
a = ap.parse_args()
d = a.dir or f"/tmp/leadpolicy-vs-{a.rows}"
mapping = os.path.join(d, "mapping.toml")
if not os.path.exists(mapping):
    subprocess.run([a.bin, "generate", "--rows", str(a.rows), "--seed", "42", "--out", d], check=True)
leads = os.path.join(d, "leads.csv")
sql = subprocess.run([a.bin, "sql", "--policy", a.policy, "--dataset", mapping, "--dialect", "duckdb"], check=True, capture_output=True, text=True).stdout.rstrip().rstrip(";")
with open(os.path.join(d, "policy.duckdb.sql"), "w") as f:
    f.write(sql + ";\n")
ours_out, duck_out = os.path.join(d, "ours.csv"), os.path.join(d, "duckdb.csv")
copy = f"COPY ({sql}) TO '{duck_out}' (HEADER)"
with open(os.path.join(d, "policy.duckdb.copy.sql"), "w") as f:
    f.write(copy)
duck_code = (
    "import duckdb; c = duckdb.connect(); "
    f"c.execute(\"CREATE VIEW leads AS SELECT * FROM read_csv({leads!r}, header = true, all_varchar = true)\"); "
    f"c.execute(open({os.path.join(d, 'policy.duckdb.copy.sql')!r}).read())"
)
commands = {
    "leadpolicy": [a.bin, "decide", "--policy", a.policy, "--dataset", mapping, "--out", ours_out],
    "duckdb": [sys.executable, "-c", duck_code],
}


def once(cmd):
    t = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.time() - t
    err = p.stderr.read().decode()
    if status != 0:
        print(err, file=sys.stderr)
        sys.exit(2)
    return wall, usage.ru_maxrss / 1024


runs = {k: [] for k in commands}
size = os.path.getsize(leads) / 2**20
print(f"{a.rows:,} leads, {size:,.0f} MiB of CSV, policy {a.policy}; {a.pairs} interleaved pairs")
for i in range(a.pairs):
    for name, cmd in commands.items():
        wall, peak = once(cmd)
        runs[name].append((wall, peak))
        print(f"  pair {i + 1} {name:10} {wall:6.2f} s  {peak:7.0f} MiB", flush=True)
med = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v)) for k, v in runs.items()}
for k, (w, m) in med.items():
    print(f"median {k:10} {w:6.2f} s  {m:7.0f} MiB")
(ow, om), (dw, dm) = med["leadpolicy"], med["duckdb"]
print(f"ratio leadpolicy / duckdb: wall {ow / dw:.2f}, peak memory {om / dm:.2f}")


def rows(path):
    with open(path, newline="") as f:
        out = {}
        for r in csv.DictReader(f):
            s = r.get("sla_minutes") or ""
            r["sla_minutes"] = "" if s == "" else repr(float(s))
            out[r["lead_id"]] = tuple(r.get(c) or "" for c in ["decision", "rule", "reason", "unresolved_reasons", "route", "owner", "sla_minutes"])
        return out


ours, duck = rows(ours_out), rows(duck_out)
differ = [k for k in ours if ours[k] != duck.get(k)]
print(f"decisions: {len(ours):,} leads, {len(differ)} differ" + (f" (first: {differ[:3]})" if differ else " — the same on every lead"))
sys.exit(1 if differ or len(ours) != len(duck) else 0)
