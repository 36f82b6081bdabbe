#!/usr/bin/env python3
"""How the compiled policy scales in real engines: generates N synthetic leads once (the same
generator as `leadpolicy bench`), compiles the draft policy for DuckDB and Spark SQL, and times each
engine reading the export and deciding every lead (the decisions written as CSV, as `decide` does).

usage: bench/sql_scale.py [--rows 10000000] [--dir DIR] [--bin PATH]
                         [--engines duckdb,duckdb-replay,spark,spark-replay]
`duckdb` and `spark` decide every lead; `duckdb-replay` and `spark-replay` run the compiled replay
(`sql --replay`, baseline against draft, the deals file as the outcomes table) and return only
its figures. Prints one line per engine and step. Needs DuckDB's Python package; Spark needs
pyspark and a JRE."""
import argparse, os, resource, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=10_000_000)
ap.add_argument("--dir", default=None)
ap.add_argument("--bin", default="leadpolicy")
ap.add_argument("--policy", default="policies/draft.toml")
ap.add_argument("--baseline", default="policies/baseline.toml")
ap.add_argument("--engines", default="duckdb,duckdb-replay,spark,spark-replay")
a = ap.parse_args()
d = a.dir or f"/tmp/leadpolicy-sql-{a.rows}"
if not os.path.exists(os.path.join(d, "mapping.toml")):
    t = time.time()
    subprocess.run([a.bin, "generate", "--rows", str(a.rows), "--seed", "42", "--out", d], check=True)
    print(f"generated {a.rows:,} leads in {time.time() - t:.1f} s", flush=True)
leads = os.path.join(d, "leads.csv")
size = os.path.getsize(leads) / 2**20
print(f"{a.rows:,} leads, {size:,.0f} MiB of CSV, policy {a.policy}", flush=True)


def sql_for(dialect, replay=False):
    what = ["--replay", "--baseline", a.baseline, "--draft", a.policy] if replay else ["--policy", a.policy]
    out = subprocess.run([a.bin, "sql", *what, "--dataset", os.path.join(d, "mapping.toml"), "--dialect", dialect], check=True, capture_output=True, text=True).stdout
    return out.rstrip().rstrip(";")


deals = os.path.join(d, "deals.csv")


def child(code):
    """Runs `code` in a fresh Python and returns its wall time, its own peak memory (that process
    and what it waited for: Spark's JVM; not the `leadpolicy sql` that compiled the query) and its
    output."""
    import tempfile
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.time()
        p = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.time() - t
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            print(err.read()[-3000:], file=sys.stderr)
            sys.exit(2)
        return wall, usage.ru_maxrss / 1024, out.read().strip()


for engine in a.engines.split(","):
    if engine == "duckdb":
        sql = sql_for("duckdb")
        code = f"""
import duckdb, time
c = duckdb.connect()
t = time.time()
c.execute("CREATE VIEW leads AS SELECT * FROM read_csv({leads!r}, header = true, all_varchar = true)")
load = time.time() - t
t = time.time()
c.execute("COPY (" + {sql!r} + ") TO {os.path.join(d, 'duckdb-decisions.csv')!r} (HEADER)")
decide = time.time() - t
print(f"read, decide and write {{decide:.1f}} s (the export read as it streams)")
"""
    elif engine == "spark":
        sql = sql_for("spark")
        code = f"""
import time
from pyspark.sql import SparkSession
s = SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false").config("spark.driver.memory", "4g").getOrCreate()
s.sparkContext.setLogLevel("ERROR")
t = time.time()
s.read.csv({leads!r}, header=True, inferSchema=False).createOrReplaceTempView("leads")
s.sql({sql!r}).write.mode("overwrite").option("header", True).csv({os.path.join(d, 'spark-decisions')!r})
print(f"read, decide and write {{time.time() - t:.1f}} s")
s.stop()
"""
    elif engine == "duckdb-replay":
        sql = sql_for("duckdb", replay=True)
        code = f"""
import duckdb, time
c = duckdb.connect()
t = time.time()
c.execute("CREATE VIEW leads AS SELECT * FROM read_csv({leads!r}, header = true, all_varchar = true)")
c.execute("CREATE VIEW outcomes AS SELECT * FROM read_csv({deals!r}, header = true, all_varchar = true)")
rows = c.execute({sql!r}).fetchall()
print(f"replay of both policies: read, decide, join the deals and compute {{len(rows):,}} figures in {{time.time() - t:.1f}} s")
"""
    elif engine == "spark-replay":
        sql = sql_for("spark", replay=True)
        code = f"""
import time
from pyspark.sql import SparkSession
s = SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false").config("spark.driver.memory", "4g").getOrCreate()
s.sparkContext.setLogLevel("ERROR")
t = time.time()
s.read.csv({leads!r}, header=True, inferSchema=False).createOrReplaceTempView("leads")
s.read.csv({deals!r}, header=True, inferSchema=False).createOrReplaceTempView("outcomes")
rows = s.sql({sql!r}).collect()
print(f"replay of both policies: read, decide, join the deals and compute {{len(rows):,}} figures in {{time.time() - t:.1f}} s")
s.stop()
"""
    else:
        print(f"unknown engine {engine}", file=sys.stderr)
        sys.exit(2)
    wall, peak, said = child(code)
    print(f"{engine:7} {said}; whole process {wall:.1f} s, its peak RSS {peak:,.0f} MiB", flush=True)
