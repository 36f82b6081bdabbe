#!/usr/bin/env python3
"""Runs `leadpolicy sql` for a policy in a real SQL engine over the raw leads export (every
column as the text written, as a warehouse would hold it) and compares every lead's decision
record with `leadpolicy decide`, cell by cell.

usage: engine_check.py ENGINE BIN POLICY MAPPING [POLICY MAPPING ...]
       engine_check.py ENGINE BIN --replay BASELINE DRAFT MAPPING [MAPPING ...]
                                           (`sql --replay` in the engine: every figure equals
                                           `replay --json`'s)
       engine_check.py ENGINE BIN --view POLICY MAPPING (the view an export carries, created
                                           and read: DuckDB and PostgreSQL)
       engine_check.py ENGINE BIN --cases DIR     (every decision case of tests/cases)
       engine_check.py ENGINE BIN --random N SEED (N random policies over random typed data)
       engine_check.py ENGINE BIN --random-replay N SEED (N random policy pairs over random
                                           data with every outcome role: `sql --replay`)
ENGINE: duckdb (DuckDB's Python package), postgres (PostgreSQL from Debian's package: a
throwaway cluster in a temporary folder on a Unix socket, started and stopped here) or spark
(Apache Spark in local mode through pyspark, with a JRE).
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

    def query(self, tables, sql):
        con = self.duckdb.connect()
        for name, (path, delim) in tables.items():
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv(?, header = true, all_varchar = true, delim = ?, quote = '\"', escape = '\"', strict_mode = false)",
                [path, delim],
            )
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def close(self):
        pass


class Spark:
    """Spark SQL in local mode on every core: what Databricks and EMR run."""

    dialect = "spark"

    def __init__(self):
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            print("engine_check: pyspark is missing: pip install pyspark (and a JRE: apt-get install openjdk-17-jre-headless)", file=sys.stderr)
            sys.exit(2)
        self.spark = (
            SparkSession.builder.master("local[*]")
            .appName("leadpolicy engine check")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "4g")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")

    def query(self, tables, sql):
        for name, (path, delim) in tables.items():
            df = self.spark.read.csv(path, header=True, sep=delim, quote='"', escape='"', multiLine=True, inferSchema=False, encoding="UTF-8")
            # The table's columns are the export's headers, trimmed (as the loader trims them).
            df = df.toDF(*[c.strip() for c in df.columns])
            df.createOrReplaceTempView(name)
        return [r.asDict() for r in self.spark.sql(sql).collect()]

    def close(self):
        self.spark.stop()


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

    def load(self, tables):
        for name, (path, delim) in tables.items():
            with open(path, newline="", encoding="utf-8-sig") as f:
                header = next(csv.reader(f, delimiter=delim))
            cols = ", ".join('"' + h.strip().replace('"', '""') + '" text' for h in header)
            self.psql("-c", f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} ({cols})")
            d = delim.replace("'", "''")
            self.psql("-c", f"\\copy {name} FROM '{path}' WITH (FORMAT csv, HEADER true, DELIMITER '{d}')")

    def url(self):
        return f"postgres://postgres@localhost/postgres?host={self.dir}"

    def query(self, tables, sql):
        self.load(tables)
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


def check(engine, binary, policy, mapping, tmp, view=False):
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
    if view:
        # The view an export carries: created, then read.
        sql = run([binary, "sql", "--view", "--policy", policy, "--dataset", mapping, "--dialect", engine.dialect])
        name = sql.split("VIEW ", 1)[1].split(" ", 1)[0]
        sql = f"{sql.rstrip()}\nSELECT * FROM {name}"
    else:
        sql = run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", engine.dialect]).rstrip().rstrip(";")
    rows = engine.query({"leads": (leads, delim)}, sql)
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


def tables_of(mapping):
    """The leads table and, when the mapping has one, the outcomes table: (path, delimiter)."""
    with open(mapping, "rb") as f:
        ds = tomllib.load(f)["dataset"]
    base = os.path.dirname(os.path.abspath(mapping))
    delim = ds.get("delimiter", ",")
    tables = {"leads": (os.path.join(base, ds["leads"]), delim)}
    if "outcomes" in ds:
        tables["outcomes"] = (os.path.join(base, ds["outcomes"]["file"]), delim)
    return tables


def figure_path(row):
    """Where a row of the compiled replay sits in `replay --json`."""
    metric, key, sub = row["metric"], row["key"], row["sub"]
    tail = [k for k in (key, sub) if k is not None]
    if metric.startswith("flips."):
        return metric.split(".") + tail
    if metric.startswith("unresolved_queue."):
        return [row["policy"]] + metric.split(".") + tail
    if row["breakdown"]:
        return ["breakdowns", row["breakdown"], row["grp"], row["policy"], metric] + tail
    return [row["policy"], "metrics", metric] + tail


def leaves(v, path=()):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, path + (k,))
    else:
        yield path, v


VERBOSE = False


def replay_check(engine, binary, baseline, draft, mapping):
    """Every figure of the compiled replay, run in the engine, equals `replay --json`'s; every
    figure `replay --json` has (but the flipped leads' rows) comes back from the engine."""
    expected = json.loads(run([binary, "replay", "--baseline", baseline, "--draft", draft, "--dataset", mapping, "--json"]))
    sql = run([binary, "sql", "--replay", "--baseline", baseline, "--draft", draft, "--dataset", mapping, "--dialect", engine.dialect])
    rows = engine.query(tables_of(mapping), sql.rstrip().rstrip(";"))
    diffs, got = [], {}
    for row in rows:
        path = tuple(figure_path(row))
        value = None if row["value"] in (None, "") else float(row["value"])
        got[path] = value
        at = expected
        for k in path:
            at = at.get(k) if isinstance(at, dict) else None
        if at is None and value is None:
            continue
        if at is None or value is None or float(at) != value:
            diffs.append(f"{'.'.join(path)}: {at!r} in replay --json, {value!r} in the engine")
    sections = [("baseline", "metrics"), ("draft", "metrics"), ("baseline", "unresolved_queue"), ("draft", "unresolved_queue"), ("flips", "matrix"), ("flips", "flipped"), ("breakdowns",)]
    n = 0
    for path, v in leaves(expected):
        if not any(path[: len(s)] == s for s in sections):
            continue
        n += 1
        if v is not None and path not in got:
            diffs.append(f"{'.'.join(path)}: {v!r} in replay --json, no row from the engine")
    if hasattr(engine, "url"):
        # `replay --engine`: the same query through sqlx, read back into the same report.
        via = json.loads(run([binary, "replay", "--baseline", baseline, "--draft", draft, "--dataset", mapping, "--engine", engine.url(), "--json"]))
        for key in ("leads",):
            expected["flips"].pop(key)
            via["flips"].pop(key)
        if via != expected:
            mine, theirs = dict(leaves(expected)), dict(leaves(via))
            for path in sorted(set(mine) | set(theirs)):
                if mine.get(path, "absent") != theirs.get(path, "absent"):
                    diffs.append(f"replay --engine: {'.'.join(path)} is {theirs.get(path, 'absent')!r}, {mine.get(path, 'absent')!r} in replay --json")
        elif VERBOSE:
            print(f"  replay --engine {engine.url()}: the whole report equals replay --json's (but the flipped leads' rows)")
    return n, diffs


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


TEXT_VALUES = ["software", "Software", "fintech", "  retail ", "École", "ÉCOLE normale", "N/A", "", "Straße", "café ☕", "O'Brien", "a;b", "x\"y"]
NUMBER_VALUES = ["0", "7", "007", "12.5", "-3", "1e3", "200", "", "N/A", ".5", "+4"]


def random_case(rnd, k, folder, outcomes=False):
    """A random typed table (text and number columns, missing cells, odd text) and a random
    policy over it: condition trees with every operator, signals, scope, the evidence gate,
    overlaps, owners and [otherwise]. With `outcomes`, what happened too: conversions (a column
    or an outcomes file with repeated and unknown ids), seller outcomes, meetings, the old
    process's decisions, first-touch minutes, enrichment errors, campaigns and forms."""
    os.makedirs(folder, exist_ok=True)
    texts = [f"t{i}" for i in range(3)]
    nums = [f"n{i}" for i in range(3)]
    rows = rnd.randint(20, 60)
    with open(os.path.join(folder, "leads.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        extra = ["Converted", "Seller", "Meeting", "Old", "Touch", "Error", "Campaign", "Form"] if outcomes else []
        w.writerow(["Lead Id", "Source"] + ["Text " + t for t in texts] + ["Num " + n for n in nums] + ["Owner", "Enrich", "Conf"] + extra)
        for r in range(rows):
            w.writerow(
                [f"L{r}", rnd.choice(["web", "event", "", "ads"])]
                + [rnd.choice(TEXT_VALUES) for _ in texts]
                + [rnd.choice(NUMBER_VALUES) for _ in nums]
                + [rnd.choice(["Ana", "", "Bo"]), rnd.choice(["zoominfo", "clearbit", "", "x"]), rnd.choice(["0.2", "0.7", "", "0.5"])]
                + (
                    [
                        rnd.choice(["yes", "no", "", "Yes"]),
                        rnd.choice(["Accepted", "Rejected", "", "Pending", "N/A"]),
                        rnd.choice(["held", "no show", "", "cancelled"]),
                        rnd.choice(["mql", "dq", "nurture", "review", "", "other"]),
                        rnd.choice(["5", "12.5", "30", "31", "600", "", "0"]),
                        rnd.choice(["true", "", "false"]),
                        rnd.choice(["spring", "fall", "", "spring "]),
                        rnd.choice(["demo", "trial", ""]),
                    ]
                    if outcomes
                    else []
                )
            )
    cols = "\n".join(
        [f'"Text {t}" = {{ name = "{t}", type = "text" }}' for t in texts]
        + [f'"Num {n}" = {{ name = "{n}", type = "number" }}' for n in nums]
        + ['"Lead Id" = { name = "lead_id" }', '"Source" = { name = "source" }', '"Owner" = { name = "owner" }', '"Enrich" = { name = "enrich" }', '"Conf" = { name = "conf", type = "number" }']
    )
    roles = 'source = "source"\nenrichment_source = "enrich"\nenrichment_confidence = "conf"\n'
    dataset = '[dataset]\nleads = "leads.csv"\nid = "lead_id"\nmissing = ["", "N/A"]\n'
    if outcomes:
        cols += '\n"Touch" = { name = "touch" }'
        roles += (
            'seller_outcome = { column = "Seller", accepted = ["Accepted"], sent_back = ["Rejected"] }\n'
            'meeting = { column = "Meeting", held = ["held"], no_show = ["no show"] }\n'
            'historical_decision = { column = "Old", accepted = ["mql"], rejected = ["dq"], nurture = ["nurture"], unresolved = ["review"] }\n'
            'first_touch_minutes = "touch"\n'
            'enrichment_error = { column = "Error", true = ["true"] }\n'
            'campaign = "Campaign"\nform = "Form"\n'
        )
        if rnd.random() < 0.5:
            roles += 'converted = { column = "Converted", true = ["yes", "Yes"] }\n'
        else:
            with open(os.path.join(folder, "outcomes.csv"), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["Deal", "Lead"])
                for r in range(rows // 3):
                    w.writerow([f"D{r}", rnd.choice([f"L{rnd.randrange(rows)}", f" L{rnd.randrange(rows)} ", "L9999", "", "N/A"])])
            dataset += 'outcomes = { file = "outcomes.csv", key = "Lead" }\n'
    with open(os.path.join(folder, "mapping.toml"), "w") as f:
        f.write(f"{dataset}[columns]\n{cols}\n[roles]\n{roles}")

    def lit(v):
        return json.dumps(v, ensure_ascii=False)

    def leaf():
        if rnd.random() < 0.5:
            f = rnd.choice(texts)
            op = rnd.choice(["eq", "ne", "in", "not_in", "contains", "matches", "missing"])
            v = rnd.choice([x.strip() for x in TEXT_VALUES if x.strip() and x != "N/A"])
            if op in ("in", "not_in"):
                val = "[" + ", ".join(lit(x.strip()) for x in rnd.sample(TEXT_VALUES[:6], 2)) + "]"
            elif op == "contains":
                val = lit(rnd.choice(["soft", "ÉCOLE", "é", "ß", "o'b", "e"]))
            elif op == "matches":
                val = lit(rnd.choice(["^soft", "(?i)école", "ware$", "[0-9]", "a|b", "^.$"]))
            elif op == "missing":
                val = rnd.choice(["true", "false"])
            else:
                val = lit(v)
        else:
            f = rnd.choice(nums)
            op = rnd.choice(["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "missing"])
            if op in ("in", "not_in"):
                val = f"[{rnd.choice([0, 7, 200])}, {rnd.choice([12.5, -3, 1000])}]"
            elif op == "missing":
                val = rnd.choice(["true", "false"])
            else:
                val = str(rnd.choice([0, 7, 12.5, 200, -3, 1000]))
        return f'{{ field = "{f}", {op} = {val} }}'

    def cond(depth):
        r = rnd.random()
        if depth > 2 or r < 0.45:
            return leaf()
        if r < 0.6:
            return f'{{ signal = "s{rnd.randint(0, 1)}" }}' if depth > 0 else leaf()
        if r < 0.75:
            return f"{{ not = {cond(depth + 1)} }}"
        kind = rnd.choice(["all", "any"])
        items = ", ".join(cond(depth + 1) for _ in range(rnd.randint(1, 3)))
        return f"{{ {kind} = [{items}] }}"

    allowed = ", ".join(lit(x) for x in texts + nums)
    out = [f'[policy]\nid = "r{k}"\nname = "random {k}"\nversion = 1\n[fields]\nallowed = [{allowed}]']
    if rnd.random() < 0.4:
        out.append('[scope]\nsource = ["web", "event"]')
    ev = [f'on_overlap = "{rnd.choice(["review", "first"])}"']
    if rnd.random() < 0.4:
        ev.append(f"required = [{lit(rnd.choice(texts + nums))}]")
    if rnd.random() < 0.3:
        ev.append('approved_sources = ["zoominfo", "clearbit"]')
    if rnd.random() < 0.3:
        ev.append("min_enrichment_confidence = 0.5")
    out.append("[evidence]\n" + "\n".join(ev))
    out.append(f"[signals.s0]\nwhen = {leaf()}\n[signals.s1]\nwhen = {cond(1)}")
    out.append('[reasons]\nbad = "Bad"\nworse = "Worse"')
    out.append('[routes.sales]\nkind = "sales"\nowner = { field = "owner" }\nsla_minutes = 30')
    out.append('[routes.team]\nkind = "sales"\nowner = { field = "owner", fallback = "Pool" }\nsla_minutes = 12.5')
    out.append('[routes.care]\nkind = "nurture"\nowner = "Marketing"')
    for i in range(rnd.randint(0, 5)):
        if rnd.random() < 0.35:
            out.append(f'[[rules]]\nid = "q{i}"\ndisqualify = "{rnd.choice(["bad", "worse"])}"\nwhen = {cond(0)}')
        else:
            out.append(f'[[rules]]\nid = "q{i}"\nroute = "{rnd.choice(["sales", "team", "care"])}"\nwhen = {cond(0)}')
    if rnd.random() < 0.5:
        out.append(f'[otherwise]\nroute = "{rnd.choice(["care", "team"])}"')
    with open(os.path.join(folder, "policy.toml"), "w") as f:
        f.write("\n\n".join(out) + "\n")


def random_cases(engine, binary, n, seed, tmp):
    import random
    rnd = random.Random(seed)
    bad = agreed = refused = invalid = 0
    leads = 0
    for k in range(n):
        d = os.path.join(tmp, f"random{k}")
        random_case(rnd, k, d)
        policy, mapping = os.path.join(d, "policy.toml"), os.path.join(d, "mapping.toml")
        chk = subprocess.run([binary, "check", policy, "--dataset", mapping], capture_output=True, text=True)
        if chk.returncode != 0:
            invalid += 1  # e.g. a field read by no rule is fine; a type clash is not generated on purpose
            continue
        r = subprocess.run([binary, "sql", "--policy", policy, "--dataset", mapping, "--dialect", engine.dialect], capture_output=True, text=True)
        if r.returncode != 0:
            if "cannot be compiled" in r.stderr:
                refused += 1
                continue
            print(f"FAILED random {k}: {r.stderr}")
            bad += 1
            continue
        m, diffs = check(engine, binary, policy, mapping, d)
        leads += m
        if diffs:
            bad += 1
            print(f"DIFFER random {k} ({d}): {len(diffs)} differences of {m} leads")
            for x in diffs[:10]:
                print("  " + x)
            with open(policy) as f:
                print(f.read())
        else:
            agreed += 1
    print(f"random policies: {agreed} agree on all {leads} leads, {refused} refused (a pattern), {invalid} not valid for their data, {bad} differ")
    return bad


def random_replays(engine, binary, n, seed, tmp):
    """N random baseline/draft pairs over random data with every outcome role: the compiled
    replay's figures equal `replay --json`'s."""
    import random
    rnd = random.Random(seed)
    bad = agreed = invalid = refused = 0
    figures = 0
    for k in range(n):
        d = os.path.join(tmp, f"replay{k}")
        random_case(rnd, k, d, outcomes=True)
        os.rename(os.path.join(d, "policy.toml"), os.path.join(d, "baseline.toml"))
        other = os.path.join(tmp, f"replay{k}-draft")
        random_case(rnd, k, other)
        draft = os.path.join(d, "draft.toml")
        shutil.copy(os.path.join(other, "policy.toml"), draft)
        baseline, mapping = os.path.join(d, "baseline.toml"), os.path.join(d, "mapping.toml")
        ok = all(
            subprocess.run([binary, "check", p, "--dataset", mapping], capture_output=True).returncode == 0
            for p in (baseline, draft)
        )
        if not ok:
            invalid += 1
            continue
        r = subprocess.run([binary, "sql", "--replay", "--baseline", baseline, "--draft", draft, "--dataset", mapping, "--dialect", engine.dialect], capture_output=True, text=True)
        if r.returncode != 0:
            if "cannot be compiled" in r.stderr:
                refused += 1
                continue
            print(f"FAILED random replay {k}: {r.stderr}")
            bad += 1
            continue
        m, diffs = replay_check(engine, binary, baseline, draft, mapping)
        figures += m
        if diffs:
            bad += 1
            print(f"DIFFER random replay {k} ({d}): {len(diffs)} of {m} figures")
            for x in diffs[:10]:
                print("  " + x)
        else:
            agreed += 1
    print(f"random replays: {agreed} agree on all {figures} figures, {refused} refused (a pattern), {invalid} not valid for their data, {bad} differ")
    return bad


def main():
    engines = {"duckdb": DuckDb, "postgres": Postgres, "spark": Spark}
    if len(sys.argv) < 5 or sys.argv[1] not in engines:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    engine = engines[sys.argv[1]]()
    binary, rest = sys.argv[2], sys.argv[3:]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            if rest[0] == "--cases":
                sys.exit(1 if cases(engine, binary, rest[1], tmp) else 0)
            if rest[0] == "--random-replay":
                sys.exit(1 if random_replays(engine, binary, int(rest[1]), int(rest[2]), tmp) else 0)
            if rest[0] == "--random":
                sys.exit(1 if random_cases(engine, binary, int(rest[1]), int(rest[2]), tmp) else 0)
            if rest[0] == "--replay":
                global VERBOSE
                VERBOSE = True
                bad = 0
                for mapping in rest[3:]:
                    n, diffs = replay_check(engine, binary, rest[1], rest[2], mapping)
                    if diffs:
                        bad += 1
                        print(f"DIFFER replay on {mapping}: {len(diffs)} of {n} figures")
                        for d in diffs[:15]:
                            print("  " + d)
                    else:
                        print(f"ok replay on {mapping}: {n} figures equal `replay --json` ({engine.dialect})")
                sys.exit(1 if bad else 0)
            if rest[0] == "--view":
                n, diffs = check(engine, binary, rest[1], rest[2], tmp, view=True)
                for d in diffs[:10]:
                    print("  " + d)
                print(f"{'DIFFER' if diffs else 'ok'} view of {rest[1]} on {rest[2]}: {n} leads ({engine.dialect})")
                sys.exit(1 if diffs else 0)
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
