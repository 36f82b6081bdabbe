#!/usr/bin/env python3
"""Runs `leadpolicy sql --dialect duckdb` for a policy in DuckDB over the raw leads export and
compares every lead's decision record with `leadpolicy decide`, cell by cell.

usage: duckdb_check.py BIN POLICY MAPPING [POLICY MAPPING ...]
       duckdb_check.py BIN --cases DIR     (every decision case of tests/cases)
Exit 0 when every lead of every pair agrees, 1 on a difference (the first ones are printed),
2 when something could not run. Needs DuckDB's Python package (`pip install duckdb`)."""
import csv, json, os, subprocess, sys, tempfile, tomllib

try:
    import duckdb
except ImportError:
    print("duckdb_check: DuckDB's Python package is missing: pip install duckdb", file=sys.stderr)
    sys.exit(2)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"duckdb_check: {' '.join(cmd)} failed:\n{r.stderr}", file=sys.stderr)
        sys.exit(2)
    return r.stdout


def norm(v):
    """A record cell as text: '' for none, numbers without a trailing .0."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)[:-2] if v.is_integer() else repr(v)
    s = str(v)
    try:
        f = float(s)
        if s.strip() and f == f:
            return repr(f)[:-2] if f.is_integer() else repr(f)
    except ValueError:
        pass
    return s


def check(binary, policy, mapping, tmp):
    with open(mapping, "rb") as f:
        m = tomllib.load(f)
    ds = m["dataset"]
    leads = os.path.join(os.path.dirname(os.path.abspath(mapping)), ds["leads"])
    delim = ds.get("delimiter", ",")
    expected_file = os.path.join(tmp, "decide.json")
    run([binary, "decide", "--policy", policy, "--dataset", mapping, "--out", expected_file])
    with open(expected_file) as f:
        expected = json.load(f)
    if isinstance(expected, dict):
        expected = expected.get("decisions") or expected.get("rows") or list(expected.values())[0]
    sql = run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", "duckdb"])
    con = duckdb.connect()
    # The export as the table a warehouse would hold: every column as the text written.
    con.execute(
        "CREATE TABLE leads AS SELECT * FROM read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', escape = '\"', strict_mode = false)",
        [leads, delim],
    )
    cur = con.execute(sql.rstrip().rstrip(";"))
    names = [d[0] for d in cur.description]
    got = {row[0]: dict(zip(names, row)) for row in cur.fetchall()}
    cols = ["decision", "rule", "reason", "unresolved_reasons", "route", "owner", "sla_minutes"]
    diffs = []
    for e in expected:
        g = got.get(e["lead_id"])
        if g is None:
            diffs.append(f"lead {e['lead_id']}: missing from DuckDB's result")
            continue
        for c in cols:
            if norm(e.get(c)) != norm(g.get(c)):
                diffs.append(f"lead {e['lead_id']}: {c} is {norm(e.get(c))!r} in decide, {norm(g.get(c))!r} in DuckDB")
    if len(got) != len(expected):
        diffs.append(f"{len(expected)} leads in decide, {len(got)} rows from DuckDB")
    return len(expected), diffs


# tests/common.rs DEFAULT_MAPPING: the mapping of a case that has none.
DEFAULT_MAPPING = '[dataset]\nname = "case"\nleads = "leads.csv"\nid = "lead_id"\nmissing = ["", "N/A", "Select", "-"]\n'


def cases(binary, folder, tmp):
    """Every decision case (not the refused ones): policy, mapping and leads into a folder, then
    the same comparison. A `matches` the compiler refuses must be refused with a location."""
    bad = refused = agreed = 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".toml"):
            continue
        with open(os.path.join(folder, name), "rb") as f:
            case = tomllib.load(f)
        if "expect_errors" in case:
            continue
        d = os.path.join(tmp, name[:-5])
        os.makedirs(d, exist_ok=True)
        for file, text in [("policy.toml", case["policy"]), ("mapping.toml", case.get("mapping", DEFAULT_MAPPING)), ("leads.csv", case["leads"].lstrip("\n"))]:
            with open(os.path.join(d, file), "w") as f:
                f.write(text)
        policy, mapping = os.path.join(d, "policy.toml"), os.path.join(d, "mapping.toml")
        r = subprocess.run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", "duckdb"], capture_output=True, text=True)
        if r.returncode != 0:
            if "cannot be compiled" in r.stderr and "policy.toml:" in r.stderr:
                refused += 1
                print(f"refused {name}: {r.stderr.strip().splitlines()[0]}")
                continue
            print(f"FAILED {name}: {r.stderr}")
            bad += 1
            continue
        n, diffs = check(binary, policy, mapping, d)
        if diffs:
            bad += 1
            print(f"DIFFER {name}: {len(diffs)} differences of {n} leads")
            for x in diffs[:10]:
                print("  " + x)
        else:
            agreed += 1
    print(f"cases: {agreed} agree in every cell, {refused} refused with their location, {bad} differ")
    return bad


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "--cases":
        with tempfile.TemporaryDirectory() as tmp:
            sys.exit(1 if cases(sys.argv[1], sys.argv[3], tmp) else 0)
    if len(sys.argv) < 4 or len(sys.argv) % 2 != 0:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    binary, pairs = sys.argv[1], sys.argv[2:]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for policy, mapping in zip(pairs[::2], pairs[1::2]):
            n, diffs = check(binary, policy, mapping, tmp)
            if diffs:
                bad += 1
                print(f"DIFFER {policy} on {mapping}: {len(diffs)} differences of {n} leads")
                for d in diffs[:10]:
                    print("  " + d)
            else:
                print(f"ok {policy} on {mapping}: {n} leads agree in every cell")
    sys.exit(1 if bad else 0)


main()
