#!/usr/bin/env python3
"""An independent check of `leadpolicy replay --json` and `leadpolicy decide`.

This file re-implements, from /work/shared/docs/semantics.md alone (never from the Rust sources), the
part of the contract a replay of dates, cohorts, periods and conversion windows rests on:

- loading a dataset mapping (CSV leads, an optional outcomes file joined on the id, trimming,
  missing tokens, the number rule, renames and forced types, the roles);
- dates: `created_at` and `converted_at` (from the leads file or from the outcomes file, the
  earliest of a lead's rows), ISO or the mapping's chrono format;
- the decision of every lead under a policy (scope, disqualify rules, the evidence gate with
  `required` / `approved_sources` / `min_enrichment_confidence`, route rules, overlap,
  `[otherwise]`, owners) with SQL three-valued logic;
- the cohort (`--from/--to` on `created_at`, `--source/--campaign/--form`), periods
  (`--by week|month|quarter`), the conversion window (`--conversion-window N [--as-of D]`);
- the replay metrics of both policies, their deltas, the flip matrix and the flipped leads,
  the breakdowns by source / campaign / form.

It runs the CLI with the same flags, compares every figure it computes and exits 1 on any
difference (the first differences in plain words), 2 when it cannot check (a construct it does
not implement, a load error, the CLI failing), 0 when everything matched.

Compared: `cohort`, both policies' `metrics`, `deltas` (but `routing_time`), `flips.matrix`,
`flips.flipped`, each flipped lead's id and both decision records, `breakdowns`, `periods`, and
every lead's record from `leadpolicy decide` under both policies. Not compared: the packets,
the flipped leads' `converted` / `seller_outcome` / `meeting`, `unresolved_queue`, `dataset`
and the `policy` headers.

Reading of docs/semantics.md where it could be read two ways: `no_date` counts the leads that pass the
source / campaign / form lists and are left out only for lacking a date ("leads outside [the
cohort] appear nowhere — not in counts"); a converted lead without a `created_at` still counts
as converted under a window and is never immature; the as-of date is the latest `created_at`
or lead `converted_at` (earliest row per lead; outcome rows of unknown ids ignored) of the
whole dataset, not of the cohort.

Standard library only (Python 3.11+ for tomllib).

    python3 replay_check.py --bin leadpolicy --dataset mapping.toml \
        --baseline baseline.toml --draft draft.toml [--from D] [--to D] [--source V]... \
        [--campaign V]... [--form V]... [--by week|month|quarter] \
        [--conversion-window N [--as-of D]]
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib

DECISIONS = ["accepted", "nurture", "rejected", "unresolved", "out_of_scope"]


class Refuse(Exception):
    """Something this checker does not implement or cannot load: exit 2."""


# ---------------------------------------------------------------------------------------------
# Loading (docs/semantics.md, "Loading")

# Unicode White_Space (what "surrounding Unicode whitespace" means), plus the byte-order mark
# for headers.
WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def trim(s):
    return s.strip(WHITESPACE)


def read_csv(path, delimiter, missing):
    """Rows of trimmed cells, None for a missing cell; headers trimmed."""
    if not os.path.exists(path):
        raise Refuse(f"{path}: no such file")
    if not path.lower().endswith((".csv", ".txt", ".tsv")):
        raise Refuse(f"{path}: only CSV files are implemented here")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    if not rows:
        raise Refuse(f"{path}: empty file")
    headers = [trim(h) for h in rows[0]]
    data = []
    for row in rows[1:]:
        if not row:
            continue
        row = row + [""] * (len(headers) - len(row))
        cells = []
        for cell in row[:len(headers)]:
            t = trim(cell)
            cells.append(None if t == "" or t in missing else t)
        data.append(cells)
    if not data:
        raise Refuse(f"{path}: no data rows")
    keep = []
    seen = set()
    for j, h in enumerate(headers):
        if h == "":
            if any(r[j] is not None for r in data):
                raise Refuse(f"{path}: column {j + 1} has no header but holds values")
            continue
        if h in seen:
            raise Refuse(f"{path}: two columns named `{h}`")
        seen.add(h)
        keep.append(j)
    return [headers[j] for j in keep], [[r[j] for j in keep] for r in data]


# chrono strftime specifiers that mean the same to Python's strptime for the values exports
# write (zero-padded or not), separated by single spaces; anything else is refused rather than
# guessed (chrono and Python treat whitespace and some specifiers differently).
CHRONO_OK = set("YmdHMSIpybBh%")


def chrono_to_python(fmt):
    for part in fmt.split(" "):
        if part == "" or any(ch in WHITESPACE for ch in part):
            raise Refuse(f"date format `{fmt}`: only single spaces are implemented here")
        i = 0
        while i < len(part):
            if part[i] == "%":
                if i + 1 >= len(part) or part[i + 1] not in CHRONO_OK:
                    raise Refuse(f"date format `{fmt}`: `{part[i:i + 2]}` is not implemented here")
                i += 1
            i += 1
    return fmt.replace("%h", "%b")


ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                 r"(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?"
                 r"| (\d{2}):(\d{2})(?::(\d{2}))?)?")


def parse_date(text, fmt, where):
    """The calendar date a cell says (no time-zone conversion), or a load error."""
    if fmt is not None:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            raise Refuse(f"{where}: `{text}` is not a date in the format `{fmt}` "
                         "(the CLI should have refused to load it too)")
    m = ISO.fullmatch(text)
    if m:
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            hms = [g for g in m.groups()[3:] if g is not None]
            if hms:
                h, mi = int(hms[0]), int(hms[1])
                s = int(hms[2]) if len(hms) > 2 else 0
                if h > 23 or mi > 59 or s > 60:
                    raise ValueError
            return d
        except ValueError:
            pass
    raise Refuse(f"{where}: `{text}` is not an ISO date (the CLI should have refused to load it too)")


def role_column(spec):
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and "column" in spec:
        return spec["column"], spec
    raise Refuse(f"role `{spec}`: form not implemented")


class Dataset:
    """The leads of a mapping, with roles and fields as docs/semantics.md defines them."""

    ROLES = {"created_at", "source", "campaign", "form", "crm_match", "enrichment_source",
             "enrichment_confidence", "enrichment_error", "account_owner", "first_touch_minutes",
             "converted", "converted_at", "seller_outcome", "meeting", "historical_decision",
             "seller_feedback"}

    def __init__(self, mapping_path):
        self.mapping_path = mapping_path
        with open(mapping_path, "rb") as f:
            m = tomllib.load(f)
        base = os.path.dirname(os.path.abspath(mapping_path))
        ds = m.get("dataset", {})
        for k in ds:
            if k not in ("name", "leads", "outcomes", "id", "missing", "delimiter", "encoding"):
                raise Refuse(f"mapping: [dataset] {k} is not implemented here")
        if str(ds.get("encoding", "utf-8")).lower() not in ("utf-8", "utf8"):
            raise Refuse("mapping: only UTF-8 files are implemented here")
        for k in m:
            if k not in ("dataset", "columns", "roles"):
                raise Refuse(f"mapping: [{k}] is not implemented here")
        self.name = ds.get("name")
        self.missing = set(ds.get("missing", [""])) | {""}
        delim = ds.get("delimiter", ",")
        leads_path = os.path.join(base, ds["leads"])
        headers, rows = read_csv(leads_path, delim, self.missing)

        # Columns: header -> field name and type.
        colcfg = m.get("columns", {})
        for h, c in colcfg.items():
            for k in c:
                if k not in ("name", "type", "sensitive"):
                    raise Refuse(f"mapping: [columns] \"{h}\".{k} is not implemented here")
        self.names = []
        self.types = {}
        for j, h in enumerate(headers):
            c = colcfg.get(h, {})
            name = c.get("name", h)
            self.names.append(name)
            forced = c.get("type")
            vals = [r[j] for r in rows if r[j] is not None]
            if forced == "text":
                t = "text"
            elif forced == "number":
                if not all(NUMBER.fullmatch(v) for v in vals):
                    raise Refuse(f"column `{h}` is forced to number but holds other values")
                t = "number"
            elif forced is None:
                t = "number" if vals and all(NUMBER.fullmatch(v) for v in vals) else "text"
            else:
                raise Refuse(f"column `{h}`: type `{forced}` is not implemented here")
            self.types[name] = t
        self.header_of = dict(zip(self.names, headers))

        def col_index(ref, what):
            if ref in self.names:
                return self.names.index(ref)
            if ref in headers:
                return headers.index(ref)
            raise Refuse(f"mapping: {what} names `{ref}`, which is not a column of {ds['leads']}")

        id_j = col_index(ds["id"], "id")
        self.types[self.names[id_j]] = "text"
        self.ids = []
        self.text = []      # per lead: field name -> trimmed text or None
        for r in rows:
            if r[id_j] is None:
                raise Refuse(f"{ds['leads']}: a row without an id")
            self.ids.append(r[id_j])
            self.text.append(dict(zip(self.names, r)))
        if len(set(self.ids)) != len(self.ids):
            raise Refuse(f"{ds['leads']}: duplicate ids (the CLI should refuse it too)")
        self.index = {lid: i for i, lid in enumerate(self.ids)}
        n = len(self.ids)

        # Roles.
        roles = m.get("roles", {})
        self.role = {}      # role -> field name
        self.role_spec = {}
        for r, spec in roles.items():
            if r not in self.ROLES:
                raise Refuse(f"mapping: role `{r}` is not implemented here")
            col, opts = role_column(spec)
            self.role[r] = self.names[col_index(col, f"role `{r}`")]
            self.role_spec[r] = opts

        def role_values(r):
            f = self.role.get(r)
            return [t[f] for t in self.text] if f else None

        def dates_of(r):
            f = self.role[r]
            fmt = self.role_spec[r].get("format")
            pyfmt = chrono_to_python(fmt) if fmt else None
            out = []
            for i, t in enumerate(self.text):
                v = t[f]
                out.append(None if v is None else
                           parse_date(v, pyfmt, f"{ds['leads']}, lead {self.ids[i]}, column {self.header_of[f]}"))
            return out

        self.created = dates_of("created_at") if "created_at" in self.role else [None] * n
        self.has_created = "created_at" in self.role

        # Conversion: the outcomes file (a semi-join) or the `converted` flag role.
        out = ds.get("outcomes")
        self.converted_at = [None] * n
        self.has_converted_at = False
        if out is not None:
            if "converted" in self.role:
                raise Refuse("mapping: `converted` role with an outcomes file (the CLI should refuse it)")
            for k in out:
                if k not in ("file", "key", "converted_at", "converted_at_format"):
                    raise Refuse(f"mapping: outcomes.{k} is not implemented here")
            oheaders, orows = read_csv(os.path.join(base, out["file"]), delim, self.missing)
            if out["key"] not in oheaders:
                raise Refuse(f"mapping: outcomes key `{out['key']}` is not a header of {out['file']}")
            kj = oheaders.index(out["key"])
            cj = None
            if "converted_at" in out:
                if out["converted_at"] not in oheaders:
                    raise Refuse(f"mapping: outcomes converted_at `{out['converted_at']}` is not a header of {out['file']}")
                cj = oheaders.index(out["converted_at"])
                self.has_converted_at = True
            fmt = out.get("converted_at_format")
            pyfmt = chrono_to_python(fmt) if fmt else None
            self.converted = [False] * n
            for line, r in enumerate(orows, 2):
                lid = r[kj]
                if lid is None or lid not in self.index:
                    if cj is not None and r[cj] is not None:   # still a load error if unparseable
                        parse_date(r[cj], pyfmt, f"{out['file']}, line {line}")
                    continue
                i = self.index[lid]
                self.converted[i] = True
                if cj is not None and r[cj] is not None:
                    d = parse_date(r[cj], pyfmt, f"{out['file']}, line {line}")
                    if self.converted_at[i] is None or d < self.converted_at[i]:
                        self.converted_at[i] = d
            if "converted_at" in self.role:
                raise Refuse("mapping: a `converted_at` role beside an outcomes file is not implemented here")
        elif "converted" in self.role:
            yes = set(self.role_spec["converted"].get("true", []))
            self.converted = [v in yes for v in role_values("converted")]
            if "converted_at" in self.role:
                self.converted_at = dates_of("converted_at")
                self.has_converted_at = True
        else:
            self.converted = None       # no conversion figures at all
            if "converted_at" in self.role:
                raise Refuse("mapping: `converted_at` without a conversion is not implemented here")

        def category(r, cats):
            vals = role_values(r)
            if vals is None:
                return None
            lists = {c: set(self.role_spec[r].get(c, [])) for c in cats}
            res = []
            for v in vals:
                res.append(next((c for c in cats if v in lists[c]), None))
            return res

        self.seller = category("seller_outcome", ["accepted", "sent_back"])
        self.meeting = category("meeting", ["held", "no_show"])
        self.historical = category("historical_decision", ["accepted", "rejected", "nurture", "unresolved"])
        self.source = role_values("source")
        self.campaign = role_values("campaign")
        self.form = role_values("form")
        self.enrich_source = role_values("enrichment_source")
        if "enrichment_error" in self.role:
            yes = set(self.role_spec["enrichment_error"].get("true", []))
            self.enrich_error = [v in yes for v in role_values("enrichment_error")]
        else:
            self.enrich_error = None
        self.first_touch = self.numbers("first_touch_minutes")
        self.confidence = self.numbers("enrichment_confidence")

    def numbers(self, role):
        f = self.role.get(role)
        if f is None:
            return None
        if self.types[f] != "number":
            raise Refuse(f"role `{role}` on a text column is not implemented here")
        return [None if t[f] is None else float(t[f]) for t in self.text]

    def value(self, i, field):
        v = self.text[i][field]
        if v is None:
            return None
        return float(v) if self.types[field] == "number" else v


# ---------------------------------------------------------------------------------------------
# Policies and decisions (docs/semantics.md, "Decision semantics")

FIELD_OPS = {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "matches", "missing"}
# Regex features whose meaning differs between Rust `regex` and Python `re` (or that Rust
# refuses): a policy using them is refused rather than guessed.
REGEX_UNSAFE = re.compile(r"\\[pPzAhHvVRXKQEG]|\(\?[<P=!#]|\(\?[a-zA-Z]*[xsmuU]|\[\[:|\{,")


class Policy:
    def __init__(self, path, data):
        self.path = path
        with open(path, "rb") as f:
            p = tomllib.load(f)
        for k in p:
            if k not in ("policy", "scope", "fields", "evidence", "otherwise", "signals", "reasons",
                         "routes", "rules"):
                raise Refuse(f"{path}: [{k}] is not implemented here")
        self.meta = p.get("policy", {})
        self.scope = p.get("scope")
        if self.scope is not None:
            for k, v in self.scope.items():
                if k not in ("source", "campaign", "form"):
                    raise Refuse(f"{path}: [scope] {k} is not implemented here")
                if k not in data.role:
                    raise Refuse(f"{path}: [scope] {k} but the dataset has no `{k}` role (the CLI should refuse it)")
        ev = p.get("evidence", {})
        for k in ev:
            if k not in ("required", "approved_sources", "min_enrichment_confidence", "on_overlap"):
                raise Refuse(f"{path}: [evidence] {k} is not implemented here")
        self.required = ev.get("required", [])
        self.approved = ev.get("approved_sources")
        self.min_conf = ev.get("min_enrichment_confidence")
        self.on_overlap = ev.get("on_overlap", "review")
        if self.on_overlap not in ("review", "first"):
            raise Refuse(f"{path}: on_overlap `{self.on_overlap}` is not implemented here")
        if self.approved is not None and data.enrich_source is None:
            raise Refuse(f"{path}: approved_sources without an enrichment_source role (the CLI should refuse it)")
        if self.min_conf is not None and data.confidence is None:
            raise Refuse(f"{path}: min_enrichment_confidence without an enrichment_confidence role (the CLI should refuse it)")
        self.routes = p.get("routes", {})
        for name, r in self.routes.items():
            for k in r:
                if k not in ("kind", "queue", "owner", "sla_minutes", "description"):
                    raise Refuse(f"{path}: routes.{name}.{k} is not implemented here")
            if r.get("kind") not in ("sales", "nurture"):
                raise Refuse(f"{path}: routes.{name}.kind `{r.get('kind')}` is not implemented here")
            o = r.get("owner")
            if isinstance(o, dict):
                if set(o) - {"field", "fallback"}:
                    raise Refuse(f"{path}: routes.{name}.owner form not implemented here")
                if data.types.get(o["field"]) != "text":
                    raise Refuse(f"{path}: routes.{name}.owner reads a non-text or unknown column")
        self.signals = {}
        for name, s in p.get("signals", {}).items():
            for k in s:
                if k not in ("when", "description"):
                    raise Refuse(f"{path}: signals.{name}.{k} is not implemented here")
        self.raw_signals = p.get("signals", {})
        self.data = data
        self.disqualify = []
        self.route_rules = []
        for r in p.get("rules", []):
            for k in r:
                if k not in ("id", "description", "when", "disqualify", "route"):
                    raise Refuse(f"{path}: rules `{r.get('id')}`: key {k} is not implemented here")
            cond = self.compile(r["when"], f"rule `{r['id']}`")
            if "disqualify" in r:
                self.disqualify.append((r["id"], r["disqualify"], cond))
            else:
                if r["route"] not in self.routes:
                    raise Refuse(f"{path}: rule `{r['id']}` routes to an undeclared route")
                self.route_rules.append((r["id"], r["route"], cond))
        ow = p.get("otherwise")
        self.otherwise = None
        if ow is not None:
            if set(ow) - {"route"}:
                raise Refuse(f"{path}: [otherwise] keys other than route are not implemented here")
            self.otherwise = ow.get("route")

    def compile(self, c, where, depth=0):
        """A condition -> a function lead index -> True / False / None (unknown)."""
        if depth > 50:
            raise Refuse(f"{self.path}: {where}: signals nest too deep (a cycle?)")
        if not isinstance(c, dict) or len(c) == 0:
            raise Refuse(f"{self.path}: {where}: condition form not implemented here")
        if "all" in c or "any" in c:
            key = "all" if "all" in c else "any"
            if len(c) != 1 or not c[key]:
                raise Refuse(f"{self.path}: {where}: `{key}` form not implemented here")
            parts = [self.compile(x, where, depth + 1) for x in c[key]]
            if key == "all":
                def f(i):
                    res = True
                    for p in parts:
                        v = p(i)
                        if v is False:
                            return False
                        if v is None:
                            res = None
                    return res
            else:
                def f(i):
                    res = False
                    for p in parts:
                        v = p(i)
                        if v is True:
                            return True
                        if v is None:
                            res = None
                    return res
            return f
        if "not" in c:
            if len(c) != 1:
                raise Refuse(f"{self.path}: {where}: `not` form not implemented here")
            inner = self.compile(c["not"], where, depth + 1)
            return lambda i: None if inner(i) is None else not inner(i)
        if "signal" in c:
            if len(c) != 1 or c["signal"] not in self.raw_signals:
                raise Refuse(f"{self.path}: {where}: signal `{c.get('signal')}` unknown or form not implemented")
            return self.compile(self.raw_signals[c["signal"]]["when"], f"signal `{c['signal']}`", depth + 1)
        if "field" in c:
            ops = [k for k in c if k != "field"]
            if len(ops) != 1 or ops[0] not in FIELD_OPS:
                raise Refuse(f"{self.path}: {where}: operator {ops} not implemented here")
            op, lit, field = ops[0], c[ops[0]], c["field"]
            if field not in self.data.types:
                raise Refuse(f"{self.path}: {where}: field `{field}` is not in the dataset (the CLI should refuse it)")
            numeric = self.data.types[field] == "number"
            return self.field_test(field, op, lit, numeric, where)
        raise Refuse(f"{self.path}: {where}: condition {c} not implemented here")

    def field_test(self, field, op, lit, numeric, where):
        data = self.data

        def scalar(x):
            if isinstance(x, bool) or isinstance(x, (list, dict, dt.date, dt.time, dt.datetime)):
                raise Refuse(f"{self.path}: {where}: literal {x!r} not implemented here")
            if numeric:
                if not isinstance(x, (int, float)):
                    raise Refuse(f"{self.path}: {where}: text literal on numeric field `{field}` (the CLI should refuse it)")
                return float(x)
            if not isinstance(x, str):
                raise Refuse(f"{self.path}: {where}: number literal on text field `{field}` (the CLI should refuse it)")
            return x

        if op == "missing":
            if not isinstance(lit, bool):
                raise Refuse(f"{self.path}: {where}: `missing` needs true or false")
            return lambda i: (data.text[i][field] is None) == lit
        if op in ("in", "not_in"):
            if not isinstance(lit, list) or not lit:
                raise Refuse(f"{self.path}: {where}: `{op}` needs a non-empty list")
            vals = [scalar(x) for x in lit]
            want = op == "in"
            return lambda i: None if data.text[i][field] is None else ((data.value(i, field) in vals) == want)
        if op in ("gt", "gte", "lt", "lte"):
            if not numeric or isinstance(lit, bool) or not isinstance(lit, (int, float)):
                raise Refuse(f"{self.path}: {where}: `{op}` on a text field or literal (the CLI should refuse it)")
            x = float(lit)
            cmp = {"gt": lambda v: v > x, "gte": lambda v: v >= x,
                   "lt": lambda v: v < x, "lte": lambda v: v <= x}[op]
            return lambda i: None if data.text[i][field] is None else cmp(data.value(i, field))
        if op in ("eq", "ne"):
            x = scalar(lit)
            want = op == "eq"
            return lambda i: None if data.text[i][field] is None else ((data.value(i, field) == x) == want)
        if op == "contains":
            if numeric or not isinstance(lit, str):
                raise Refuse(f"{self.path}: {where}: `contains` on a numeric field (the CLI should refuse it)")
            low = lit.lower()
            return lambda i: None if data.text[i][field] is None else (low in data.text[i][field].lower())
        if op == "matches":
            if numeric or not isinstance(lit, str):
                raise Refuse(f"{self.path}: {where}: `matches` on a numeric field (the CLI should refuse it)")
            if REGEX_UNSAFE.search(lit):
                raise Refuse(f"{self.path}: {where}: regex `{lit}` uses a feature whose meaning may differ "
                             "between Rust regex and Python re; not implemented here")
            rx = re.compile(lit)
            return lambda i: None if data.text[i][field] is None else (rx.search(data.text[i][field]) is not None)
        raise Refuse(f"{self.path}: {where}: `{op}` not implemented here")

    def in_scope(self, i):
        if not self.scope:
            return True
        d = self.data
        for key, allowed in self.scope.items():
            v = {"source": d.source, "campaign": d.campaign, "form": d.form}[key][i]
            if v is None or v not in allowed:
                return False
        return True

    def decide(self, i):
        d = self.data
        rec = {"lead_id": d.ids[i], "decision": None, "rule": None, "reason": None,
               "unresolved_reasons": None, "route": None, "owner": None, "sla_minutes": None}
        if not self.in_scope(i):
            rec["decision"] = "out_of_scope"
            return rec
        for rid, reason, cond in self.disqualify:
            if cond(i) is True:
                rec.update(decision="rejected", rule=rid, reason=reason)
                return rec
        reasons = [f"missing_field:{f}" for f in self.required if d.text[i].get(f) is None]
        if self.approved is not None:
            s = d.enrich_source[i]
            if s is None or s not in self.approved:
                reasons.append("unapproved_enrichment_source")
        if self.min_conf is not None:
            c = d.confidence[i]
            if c is None or c < self.min_conf:
                reasons.append("low_enrichment_confidence")
        if reasons:
            rec.update(decision="unresolved", unresolved_reasons=reasons)
            return rec
        fired = [(rid, route) for rid, route, cond in self.route_rules if cond(i) is True]
        if not fired:
            if self.otherwise is None:
                rec.update(decision="unresolved", unresolved_reasons=["no_rule_matched"])
                return rec
            rid, route = "otherwise", self.otherwise
        elif self.on_overlap == "review" and len({r for _, r in fired}) > 1:
            rec.update(decision="unresolved", unresolved_reasons=["overlapping_routes"])
            return rec
        else:
            rid, route = fired[0]
        r = self.routes[route]
        owner = r.get("owner")
        if isinstance(owner, dict):
            v = d.text[i][owner["field"]]
            owner = v if v is not None else owner.get("fallback")
            if owner is None:
                rec.update(decision="unresolved", unresolved_reasons=["no_owner"])
                return rec
        rec.update(decision="accepted" if r["kind"] == "sales" else "nurture", rule=rid, route=route,
                   owner=owner, sla_minutes=r.get("sla_minutes"))
        return rec


# ---------------------------------------------------------------------------------------------
# Replay (docs/semantics.md, "Dates, cohorts and periods" and "Replay metrics")

def ratio(num, den):
    return None if den == 0 else num / den


def nearest_rank(sorted_vals, pct):
    n = len(sorted_vals)
    return sorted_vals[max(1, -(-pct * n // 100)) - 1]


def metrics(idx, recs, data, conv, immature, window):
    """The metrics of one policy over the leads `idx` (all of them in the cohort)."""
    leads = [recs[i] for i in idx]
    m = {"leads": len(idx)}
    ins = [i for i in idx if recs[i]["decision"] != "out_of_scope"]
    m["in_scope"] = len(ins)
    for dname in DECISIONS[:4]:
        m[dname] = sum(1 for r in leads if r["decision"] == dname)
    m["out_of_scope"] = len(idx) - len(ins)
    mature = [i for i in ins if not immature[i]]
    if conv is None:
        m["later_converted"] = None
        m["later_converted_by_reason"] = None
        m["later_converted_by_rule"] = None
    else:
        later = [i for i in mature if recs[i]["decision"] in ("rejected", "nurture", "unresolved") and conv[i]]
        m["later_converted"] = len(later)
        by_reason, by_rule = {}, {}
        for i in later:
            r = recs[i]
            if r["decision"] == "rejected":
                by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
            elif r["decision"] == "unresolved":
                for reason in r["unresolved_reasons"]:
                    by_reason[reason] = by_reason.get(reason, 0) + 1
            else:
                by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
        m["later_converted_by_reason"] = by_reason
        m["later_converted_by_rule"] = by_rule
    accepted = [i for i in ins if recs[i]["decision"] == "accepted"]
    if data.seller is None:
        m["seller_acceptance"] = None
    else:
        known = [i for i in accepted if data.seller[i] is not None]
        m["seller_acceptance"] = ratio(sum(1 for i in known if data.seller[i] == "accepted"), len(known))
    if data.seller is None and data.meeting is None:
        m["low_fit_handoffs"] = None
    else:
        m["low_fit_handoffs"] = sum(1 for i in accepted
                                    if (data.seller is not None and data.seller[i] == "sent_back")
                                    or (data.meeting is not None and data.meeting[i] == "no_show"))
    if conv is None:
        m["disqualification_accuracy"] = None
    else:
        rej = [i for i in mature if recs[i]["decision"] == "rejected"]
        m["disqualification_accuracy"] = ratio(sum(1 for i in rej if not conv[i]), len(rej))
    if data.historical is None:
        m["override_rate"] = None
    else:
        known = [i for i in ins if data.historical[i] is not None]
        m["override_rate"] = ratio(sum(1 for i in known if data.historical[i] != recs[i]["decision"]), len(known))
    if data.first_touch is None:
        m["sla_breach_rate"] = None
        m["routing_time"] = None
    else:
        with_sla = [i for i in accepted if data.first_touch[i] is not None and recs[i]["sla_minutes"] is not None]
        m["sla_breach_rate"] = ratio(sum(1 for i in with_sla if data.first_touch[i] > recs[i]["sla_minutes"]),
                                     len(with_sla))
        per_route = {}
        for i in accepted:
            if data.first_touch[i] is not None:
                per_route.setdefault(recs[i]["route"], []).append(data.first_touch[i])
        m["routing_time"] = {}
        for route, vals in sorted(per_route.items()):
            vals.sort()
            m["routing_time"][route] = {"leads": len(vals), "median": nearest_rank(vals, 50),
                                        "p90": nearest_rank(vals, 90)}
    if data.enrich_error is None:
        m["enrichment_errors"] = None
        m["enrichment_errors_by_source"] = None
    else:
        errs = [i for i in ins if data.enrich_error[i]]
        m["enrichment_errors"] = len(errs)
        by = {}
        for i in errs:
            s = data.enrich_source[i] if data.enrich_source is not None else None
            s = "(missing)" if s is None else s
            by[s] = by.get(s, 0) + 1
        m["enrichment_errors_by_source"] = by
    m["immature"] = None if window is None else sum(1 for i in ins if immature[i])
    if conv is None:
        m["conversion_rate"] = None
    else:
        m["conversion_rate"] = {}
        for dname in DECISIONS[:4]:
            group = [i for i in mature if recs[i]["decision"] == dname]
            m["conversion_rate"][dname] = ratio(sum(1 for i in group if conv[i]), len(group))
    return m


def deltas(b, d):
    """draft − baseline, key by key; null when either side is null; counts absent on one side are 0."""
    out = {}
    for k in b:
        x, y = b[k], d[k]
        if k == "routing_time" or k == "policy":
            continue
        if x is None or y is None:
            out[k] = None
        elif isinstance(x, dict):
            if k == "conversion_rate":
                out[k] = {c: None if x[c] is None or y[c] is None else y[c] - x[c] for c in x}
            else:
                out[k] = {c: y.get(c, 0) - x.get(c, 0) for c in sorted(set(x) | set(y))}
        else:
            out[k] = y - x
    return out


def period_start(d, by):
    if by == "week":
        return d - dt.timedelta(days=d.weekday())
    if by == "month":
        return d.replace(day=1)
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def record_for_compare(rec):
    r = dict(rec)
    if r["unresolved_reasons"] is not None:
        r["unresolved_reasons"] = ";".join(r["unresolved_reasons"])
    if r["sla_minutes"] is not None:
        r["sla_minutes"] = float(r["sla_minutes"])
    return r


def replay(data, base, draft, args):
    n = len(data.ids)
    rb = [base.decide(i) for i in range(n)]
    rd = [draft.decide(i) for i in range(n)]

    # The cohort.
    def iso(s, what):
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            raise Refuse(f"{what} `{s}` is not YYYY-MM-DD")
    frm = iso(args.frm, "--from") if args.frm else None
    to = iso(args.to, "--to") if args.to else None
    for flag, vals in (("source", args.source), ("campaign", args.campaign), ("form", args.form)):
        if vals and flag not in data.role:
            raise Refuse(f"--{flag} but the dataset has no `{flag}` role")
    if (frm or to or args.by or args.window is not None) and not data.has_created:
        raise Refuse("a date flag but the dataset has no `created_at` role")

    def by_values(i):
        for vals, col in ((args.source, data.source), (args.campaign, data.campaign), (args.form, data.form)):
            if vals and (col[i] is None or col[i] not in vals):
                return False
        return True

    cohort, no_date = [], 0
    for i in range(n):
        if not by_values(i):
            continue
        if frm or to:
            c = data.created[i]
            if c is None:
                no_date += 1
                continue
            if (frm and c < frm) or (to and c > to):
                continue
        cohort.append(i)

    # The conversion window.
    window = args.window
    as_of = None
    immature = [False] * n
    conv = data.converted
    if window is not None:
        if conv is None or not data.has_converted_at:
            raise Refuse("--conversion-window but the dataset has no conversion date")
        if args.as_of:
            as_of = iso(args.as_of, "--as-of")
        else:
            dates = [x for x in data.created + data.converted_at if x is not None]
            as_of = max(dates)
        conv = []
        for i in range(n):
            c, v = data.created[i], data.converted_at[i]
            if not data.converted[i]:
                conv.append(False)
            elif c is None or v is None:
                conv.append(True)
            else:
                conv.append((v - c).days <= window)
            immature[i] = c is not None and (as_of - c).days < window

    mb = metrics(cohort, rb, data, conv, immature, window)
    md = metrics(cohort, rd, data, conv, immature, window)
    report = {
        "cohort": {"from": args.frm, "to": args.to, "source": args.source or [], "campaign": args.campaign or [],
                   "form": args.form or [], "leads": len(cohort), "of": n, "no_date": no_date,
                   "conversion_window": window, "as_of": as_of.isoformat() if as_of else None},
        "baseline": {"metrics": mb},
        "draft": {"metrics": md},
        "deltas": deltas(mb, md),
    }
    matrix = {a: {b: 0 for b in DECISIONS} for a in DECISIONS}
    flipped = []
    for i in cohort:
        matrix[rb[i]["decision"]][rd[i]["decision"]] += 1
        if rb[i]["decision"] != rd[i]["decision"]:
            flipped.append({"lead_id": data.ids[i], "baseline": record_for_compare(rb[i]),
                            "draft": record_for_compare(rd[i])})
    report["flips"] = {"matrix": matrix, "flipped": len(flipped), "leads": flipped}
    breakdowns = {}
    for role, col in (("campaign", data.campaign), ("form", data.form), ("source", data.source)):
        if col is None:
            continue
        groups = {}
        for i in cohort:
            groups.setdefault("(missing)" if col[i] is None else col[i], []).append(i)
        breakdowns[role] = {g: {"baseline": metrics(idx, rb, data, conv, immature, window),
                                "draft": metrics(idx, rd, data, conv, immature, window)}
                            for g, idx in sorted(groups.items())}
    report["breakdowns"] = breakdowns
    if args.by:
        groups = {}
        for i in cohort:
            if data.created[i] is not None:
                groups.setdefault(period_start(data.created[i], args.by), []).append(i)
        report["periods"] = [{"start": s.isoformat(),
                              "baseline": metrics(idx, rb, data, conv, immature, window),
                              "draft": metrics(idx, rd, data, conv, immature, window)}
                             for s, idx in sorted(groups.items())]
    return report, rb, rd


# ---------------------------------------------------------------------------------------------
# Comparison

class Compare:
    def __init__(self):
        self.rows = []          # (section, figures, differences)
        self.diffs = []
        self.count = 0

    def section(self, name, mine, theirs, ignore=()):
        before_n, before_d = self.count, len(self.diffs)
        self.walk(name, mine, theirs, ignore)
        self.rows.append((name, self.count - before_n, len(self.diffs) - before_d))

    def walk(self, path, mine, theirs, ignore):
        if isinstance(mine, dict):
            if not isinstance(theirs, dict):
                self.diff(path, mine, theirs)
                return
            for k in mine:
                if k not in theirs:
                    self.diffs.append(f"{path}.{k}: expected {short(mine[k])}, the CLI has no such key")
                    self.count += 1
            for k in theirs:
                if k in ignore:
                    continue
                if k not in mine:
                    self.diffs.append(f"{path}.{k}: the CLI has {short(theirs[k])}, expected no such key")
                    self.count += 1
            for k in mine:
                if k in theirs:
                    self.walk(f"{path}.{k}", mine[k], theirs[k], ignore)
        elif isinstance(mine, list):
            if not isinstance(theirs, list) or len(mine) != len(theirs):
                self.diff(path + " (length)", len(mine) if isinstance(mine, list) else mine,
                          len(theirs) if isinstance(theirs, list) else theirs)
                return
            for k, (a, b) in enumerate(zip(mine, theirs)):
                self.walk(f"{path}[{k}]", a, b, ignore)
        else:
            self.count += 1
            if not same(mine, theirs):
                self.diff(path, mine, theirs)

    def diff(self, path, mine, theirs):
        self.count += 1
        self.diffs.append(f"{path}: expected {short(mine)}, the CLI says {short(theirs)}")


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def short(x):
    s = json.dumps(x, default=str)
    return s if len(s) < 200 else s[:200] + "…"


def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise Refuse(f"cannot run `{cmd[0]}`: {e}")
    if p.returncode != 0:
        raise Refuse(f"`{' '.join(cmd)}` failed with exit {p.returncode}:\n{p.stderr.strip()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="leadpolicy", help="the leadpolicy binary (default: on PATH)")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--draft", required=True)
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--source", action="append")
    ap.add_argument("--campaign", action="append")
    ap.add_argument("--form", action="append")
    ap.add_argument("--by", choices=["week", "month", "quarter"])
    ap.add_argument("--conversion-window", dest="window", type=int)
    ap.add_argument("--as-of", dest="as_of")
    ap.add_argument("--show", type=int, default=15, help="how many differences to print (default 15)")
    args = ap.parse_args()
    if args.as_of and args.window is None:
        ap.error("--as-of needs --conversion-window")

    flags = []
    for name, val in (("--from", args.frm), ("--to", args.to), ("--by", args.by),
                      ("--conversion-window", args.window), ("--as-of", args.as_of)):
        if val is not None:
            flags += [name, str(val)]
    for name, vals in (("--source", args.source), ("--campaign", args.campaign), ("--form", args.form)):
        for v in vals or []:
            flags += [name, v]
    title = " ".join(flags) or "(no flags)"

    try:
        data = Dataset(args.dataset)
        base = Policy(args.baseline, data)
        draft = Policy(args.draft, data)
        mine, rb, rd = replay(data, base, draft, args)
        theirs = json.loads(run([args.bin, "replay", "--json", "--baseline", args.baseline, "--draft", args.draft,
                                 "--dataset", args.dataset] + flags))
        decided = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name, policy in (("baseline", args.baseline), ("draft", args.draft)):
                out = os.path.join(tmp, f"{name}.json")
                run([args.bin, "decide", "--policy", policy, "--dataset", args.dataset, "--out", out])
                with open(out) as f:
                    decided[name] = json.load(f)
    except Refuse as e:
        print(f"replay_check: cannot check ({title}): {e}", file=sys.stderr)
        return 2

    cmp = Compare()
    cmp.section("cohort", mine["cohort"], theirs.get("cohort"))
    cmp.section("baseline.metrics", mine["baseline"]["metrics"], theirs.get("baseline", {}).get("metrics"))
    cmp.section("draft.metrics", mine["draft"]["metrics"], theirs.get("draft", {}).get("metrics"))
    cmp.section("deltas", mine["deltas"], {k: v for k, v in theirs.get("deltas", {}).items() if k != "routing_time"})
    cmp.section("flips.matrix", mine["flips"]["matrix"], theirs.get("flips", {}).get("matrix"))
    cmp.section("flips.flipped", mine["flips"]["flipped"], theirs.get("flips", {}).get("flipped"))
    their_leads = theirs.get("flips", {}).get("leads", [])
    cmp.section("flips.leads", mine["flips"]["leads"], their_leads,
                ignore=("packets", "converted", "seller_outcome", "meeting"))
    cmp.section("breakdowns", mine["breakdowns"], theirs.get("breakdowns"))
    if args.by:
        cmp.section("periods", mine["periods"], theirs.get("periods"))
    elif "periods" in theirs:
        cmp.diffs.append("periods: the CLI reports periods without --by")
    for name, recs in (("baseline", rb), ("draft", rd)):
        expected = [record_for_compare(r) for r in recs]
        got = [dict(r, sla_minutes=None if r.get("sla_minutes") is None else float(r["sla_minutes"]))
               for r in decided[name]]
        cmp.section(f"decide {name} (every lead)", expected, got)
    checks = len(rb) + len(rd)

    print(f"replay_check {title}")
    print(f"  dataset {args.dataset}: {len(data.ids)} leads, cohort {mine['cohort']['leads']}"
          f" (no_date {mine['cohort']['no_date']}), as_of {mine['cohort']['as_of']}"
          + (f", {len(mine['periods'])} periods" if args.by else ""))
    width = max(len(r[0]) for r in cmp.rows)
    print(f"  {'compared':<{width}}  figures  differences")
    for name, figures, d in cmp.rows:
        print(f"  {name:<{width}}  {figures:>7}  {d:>11}")
    total = sum(r[1] for r in cmp.rows)
    print(f"  {'total':<{width}}  {total:>7}  {len(cmp.diffs):>11}   ({checks} lead decisions compared with `decide`)")
    if cmp.diffs:
        print(f"DIFFERENT: {len(cmp.diffs)} figure(s) differ; the first ones:")
        for line in cmp.diffs[:args.show]:
            print("  - " + line)
        return 1
    print("OK: every figure matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
