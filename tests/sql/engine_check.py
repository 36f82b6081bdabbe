#!/usr/bin/env python3
"""Runs `leadpolicy sql` for a policy in a real SQL engine over the raw leads export (every
column as the text written, as a warehouse would hold it) and compares every lead's decision
record with `leadpolicy decide`, cell by cell.

usage: engine_check.py ENGINE BIN POLICY MAPPING [POLICY MAPPING ...]
       engine_check.py ENGINE BIN --cases DIR     (every decision case of tests/cases)
ENGINE: duckdb (DuckDB's Python package) or postgres (PostgreSQL from Debian's package: a
throwaway cluster in a temporary folder on a Unix socket, started and stopped here).
Exit 0 when every lead agrees, 1 on a difference (the first ones are printed), 2 when something
could not run."""
import csv, glob, io, json, os, shutil, subprocess, sys, tempfile, tomllib


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print(f"engine_check: {' '.join(cmd)} failed:\n{r.stderr}", file=sys.stderr)
        sys.exit(2)
    return r.stdout


class DuckDb:
    dialect = "duckdb"

    def __init__(self):
        try:
            import duckdb
        except ImportError:
            print("engine_check: DuckDB's Python package is missing: pip install duckdb", file=sys.stderr)
            sys.exit(2)
        self.duckdb = duckdb

    def query(self, leads, delim, sql):
        con = self.duckdb.connect()
        con.execute(
            "CREATE TABLE leads AS SELECT * FROM read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', escape = '\"', strict_mode = false)",
            [leads, delim],
        )
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def close(self):
        pass


class Postgres:
    """A cluster of its own in a temporary folder, reached on a Unix socket there."""

    dialect = "postgres"

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            print("engine_check: PostgreSQL is missing: apt-get install postgresql", file=sys.stderr)
            sys.exit(2)
        self.bin = os.path.dirname(bins[-1])
        self.dir = tempfile.mkdtemp(prefix="leadpolicy-pg-")
        os.chmod(self.dir, 0o777)
        # The server refuses to run as root: as the package's `postgres` user when we are root.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        data = os.path.join(self.dir, "data")
        run(self.as_user + [f"{self.bin}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        run(self.as_user + [f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o", f"-k {self.dir} -c listen_addresses=''", "start"])
        self.data = data

    def psql(self, *args, **kw):
        return run([f"{self.bin}/psql", "-h", self.dir, "-U", "postgres", "-X", "-v", "ON_ERROR_STOP=1", "-q", *args], **kw)

    def query(self, leads, delim, sql):
        with open(leads, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f, delimiter=delim))
        cols = ", ".join('"' + h.strip().replace('"', '""') + '" text' for h in header)
        self.psql("-c", f"DROP TABLE IF EXISTS leads; CREATE TABLE leads ({cols})")
        d = delim.replace("'", "''")
        self.psql("-c", f"\\copy leads FROM '{leads}' WITH (FORMAT csv, HEADER true, DELIMITER '{d}')")
        out = self.psql("--csv", "-f", "-", input=sql + ";\n")
        rows = list(csv.DictReader(io.StringIO(out)))
        return [{k: (v if v != "" else None) for k, v in r.items()} for r in rows]

    def close(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


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


def check(engine, binary, policy, mapping, tmp):
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
    sql = run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", engine.dialect])
    rows = engine.query(leads, delim, sql.rstrip().rstrip(";"))
    got = {row["lead_id"]: row for row in rows}
    cols = ["decision", "rule", "reason", "unresolved_reasons", "route", "owner", "sla_minutes"]
    diffs = []
    for e in expected:
        g = got.get(e["lead_id"])
        if g is None:
            diffs.append(f"lead {e['lead_id']}: missing from the engine's result")
            continue
        for c in cols:
            if norm(e.get(c)) != norm(g.get(c)):
                diffs.append(f"lead {e['lead_id']}: {c} is {norm(e.get(c))!r} in decide, {norm(g.get(c))!r} in the engine")
    if len(got) != len(expected):
        diffs.append(f"{len(expected)} leads in decide, {len(got)} rows from the engine")
    return len(expected), diffs


# tests/common.rs DEFAULT_MAPPING: the mapping of a case that has none.
DEFAULT_MAPPING = '[dataset]\nname = "case"\nleads = "leads.csv"\nid = "lead_id"\nmissing = ["", "N/A", "Select", "-"]\n'


def cases(engine, binary, folder, tmp):
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
        r = subprocess.run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", engine.dialect], capture_output=True, text=True)
        if r.returncode != 0:
            if "cannot be compiled" in r.stderr and "policy.toml:" in r.stderr:
                refused += 1
                print(f"refused {name}: {r.stderr.strip().splitlines()[0]}")
                continue
            print(f"FAILED {name}: {r.stderr}")
            bad += 1
            continue
        n, diffs = check(engine, binary, policy, mapping, d)
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
    if len(sys.argv) < 5 or sys.argv[1] not in ("duckdb", "postgres"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    engine = DuckDb() if sys.argv[1] == "duckdb" else Postgres()
    binary, rest = sys.argv[2], sys.argv[3:]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            if rest[0] == "--cases":
                sys.exit(1 if cases(engine, binary, rest[1], tmp) else 0)
            if len(rest) % 2 != 0:
                print(__doc__, file=sys.stderr)
                sys.exit(2)
            bad = 0
            for policy, mapping in zip(rest[::2], rest[1::2]):
                n, diffs = check(engine, binary, policy, mapping, tmp)
                if diffs:
                    bad += 1
                    print(f"DIFFER {policy} on {mapping}: {len(diffs)} differences of {n} leads")
                    for d in diffs[:10]:
                        print("  " + d)
                else:
                    print(f"ok {policy} on {mapping}: {n} leads agree in every cell ({engine.dialect})")
            sys.exit(1 if bad else 0)
    finally:
        engine.close()


main()
