#!/usr/bin/env python3
"""Regenerates mockdata.json (dev-only fake backend data) from the real CLI's replay of the sample
policies and dataset. Run from the repo root after `leadpolicy replay ... --json --out /tmp/rp`:
    python3 ui/src/dev/gen_mockdata.py /tmp/rp/replay.json > ui/src/dev/mockdata.json
"""
import csv, json, sys, tomllib
from collections import Counter

replay = json.load(open(sys.argv[1]))
mapping = tomllib.load(open("fixtures/sample/mapping.toml", "rb"))
renames = {k: v["name"] for k, v in mapping["columns"].items()}
forced = {v["name"]: v.get("type") for v in mapping["columns"].values()}
missing = set(mapping["dataset"]["missing"]) | {""}
roles = {}
for role, spec in mapping["roles"].items():
    col = spec if isinstance(spec, str) else spec["column"]
    roles[col] = role

rows = list(csv.DictReader(open("fixtures/sample/leads.csv", encoding="utf-8")))
converted_ids = {r["Lead ID"].strip() for r in csv.DictReader(open("fixtures/sample/deals.csv", encoding="utf-8"))}

def num(s):
    try:
        float(s)
        return s.lower() not in ("inf", "nan", "infinity")
    except ValueError:
        return False

fields = []
for header in rows[0].keys():
    name = renames.get(header, header)
    vals = [r[header].strip() for r in rows]
    present = [v for v in vals if v not in missing]
    typ = forced.get(name) or ("number" if present and all(num(v) for v in present) else "text")
    if name == "lead_id":
        typ = "text"
    counts = Counter(present)
    nums = [float(v) for v in present] if typ == "number" else []
    fields.append({
        "name": name, "type": typ, "role": roles.get(name),
        "fill_rate": len(present) / len(vals),
        "samples": [v for v, _ in counts.most_common(3)],
        "values": [v for v, _ in counts.most_common(100)] if typ == "text" else [],
        "min": min(nums) if nums else None, "max": max(nums) if nums else None,
    })

OPS = ["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "matches", "missing"]
def cond(c):
    if "signal" in c: return {"kind": "signal", "name": c["signal"]}
    if "all" in c: return {"kind": "all", "items": [cond(x) for x in c["all"]]}
    if "any" in c: return {"kind": "any", "items": [cond(x) for x in c["any"]]}
    if "not" in c: return {"kind": "not", "item": cond(c["not"])}
    op = next(o for o in OPS if o in c)
    return {"kind": "field", "field": c["field"], "op": op, "value": c[op]}

def policy_view(path):
    p = tomllib.load(open(path, "rb"))
    routes = []
    for name, r in p.get("routes", {}).items():
        o = r.get("owner")
        owner = None if o is None else ({"kind": "fixed", "name": o} if isinstance(o, str) else {"kind": "field", "field": o["field"], "fallback": o.get("fallback")})
        routes.append({"name": name, "kind": r["kind"], "queue": r.get("queue"), "owner": owner, "sla_minutes": r.get("sla_minutes")})
    rules = []
    for r in p["rules"]:
        action = {"kind": "disqualify", "reason": r["disqualify"]} if "disqualify" in r else {"kind": "route", "route": r["route"]}
        rules.append({"id": r["id"], "description": r.get("description"), "action": action, "when": cond(r["when"]), "sentence": ""})
    ev = p.get("evidence", {})
    return {
        "id": p["policy"]["id"], "name": p["policy"]["name"], "version": p["policy"]["version"],
        "description": p["policy"].get("description"),
        "scope": [{"role": k, "values": v} for k, v in p.get("scope", {}).items()],
        "allowed": p["fields"]["allowed"], "sensitive": p["fields"].get("sensitive", []),
        "evidence": {"required": ev.get("required", []), "min_enrichment_confidence": ev.get("min_enrichment_confidence"), "on_overlap": ev.get("on_overlap", "review")},
        "signals": [{"name": n, "when": cond(s["when"]), "sentence": ""} for n, s in p.get("signals", {}).items()],
        "reasons": [{"code": k, "label": v} for k, v in p.get("reasons", {}).items()],
        "routes": routes, "rules": rules,
    }

b, d, dl = replay["baseline"]["metrics"], replay["draft"]["metrics"], replay["deltas"]
METRICS = [
    ("in_scope", "Leads in the pilot scope", "Leads the policy decides; the others are out of scope and excluded from every metric.", "count", 0),
    ("accepted", "Accepted — sent to sales", "Leads routed to a sales queue.", "count", 0),
    ("nurture", "Sent to nurture", "Leads routed to a marketing nurture track.", "count", 0),
    ("rejected", "Disqualified", "Leads rejected by a disqualify rule.", "count", 0),
    ("unresolved", "Manual review", "Leads without enough evidence or without a clear route; a person decides.", "count", -1),
    ("later_converted", "Later converted, but not sent to sales", "Leads that were rejected, nurtured or left for review but became customers anyway. Lower is better.", "count", -1),
    ("seller_acceptance", "Seller acceptance", "Share of accepted leads the sellers kept (of those with a known seller outcome). Higher is better.", "percent", 1),
    ("low_fit_handoffs", "Low-fit handoffs", "Accepted leads the sellers sent back or whose meeting was a no-show. Lower is better.", "count", -1),
    ("disqualification_accuracy", "Disqualification accuracy", "Share of disqualified leads that indeed never converted. Higher is better.", "percent", 1),
    ("override_rate", "Differs from what SDRs did", "Share of leads where the policy decides differently from the historical SDR decision.", "percent", 0),
    ("sla_breach_rate", "SLA breaches", "Share of accepted leads first touched later than their route's SLA. Lower is better.", "percent", -1),
    ("enrichment_errors", "Enrichment errors", "In-scope leads whose enrichment failed.", "count", 0),
]
metrics = []
for key, label, help_, fmt, good in METRICS:
    delta = dl.get(key)
    direction = 0 if not delta or good == 0 else (1 if (delta > 0) == (good > 0) else -1)
    if key == "accepted": direction = 0
    metrics.append({"key": key, "label": label, "help": help_, "format": fmt, "baseline": b.get(key), "draft": d.get(key), "delta": delta, "direction": direction})

DEC = ["accepted", "nurture", "rejected", "unresolved", "out_of_scope"]
mx = replay["flips"]["matrix"]
flips = {"decisions": DEC, "counts": [[mx[r][c] for c in DEC] for r in DEC], "flipped": replay["flips"]["flipped"]}

charts = []
for cid, title in [("outcomes", "Outcomes, baseline vs draft"), ("flip_matrix", "Where leads moved"), ("later_converted_by_reason", "Later-converted leads by reason"), ("unresolved_by_reason", "Manual review by reason"), ("decisions_by_campaign", "Decisions by campaign family")]:
    charts.append({"id": cid, "title": title, "svg": open(f"/tmp/rp/{cid}.svg").read()})

dp = tomllib.load(open("policies/draft.toml", "rb")); bp = tomllib.load(open("policies/baseline.toml", "rb"))
def reason_words(code, pol):
    if not code: return None
    out = []
    for c in code.split(";"):
        if c in pol.get("reasons", {}): out.append(pol["reasons"][c])
        elif c.startswith("missing_field:"): out.append(f"missing {c.split(':',1)[1].replace('_',' ')}")
        else: out.append({"low_enrichment_confidence": "enrichment confidence too low", "no_rule_matched": "no rule matched", "overlapping_routes": "rules point to different routes", "no_owner": "no owner for the route"}.get(c, c))
    return "; ".join(out)

def brief(x, pol):
    route = x["route"]
    q = pol.get("routes", {}).get(route, {}).get("queue") if route else None
    return {"decision": x["decision"], "rule": x["rule"], "reason": reason_words(x["reason"] or x["unresolved_reasons"], pol), "route": q or route, "owner": x["owner"], "sla_minutes": x["sla_minutes"]}

def flatten(ev, out):
    if ev["kind"] == "field":
        v = ev.get("value")
        out.append({"label": f'{ev["field"].replace("_"," ")} {ev["test"]}', "value": "(missing)" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)), "result": ev["result"]})
    elif ev["kind"] == "signal":
        out.append({"label": f'signal {ev.get("name", ev.get("signal", ""))}', "value": ev["result"], "result": ev["result"]})
    else:
        for it in ev.get("items", []) or ([ev["item"]] if "item" in ev else []):
            flatten(it, out)
    return out

def action_words(a, pol):
    k, v = a.split(":", 1)
    if k == "disqualify": return "Disqualify: " + pol.get("reasons", {}).get(v, v)
    return "Route to " + (pol.get("routes", {}).get(v, {}).get("queue") or v)

def packet(p, pol, label, br):
    decided = br["rule"]
    rc = lambda r: {"id": r["id"], "action": action_words(r["action"], pol), "result": r["result"], "fired": r["fired"], "deciding": r["id"] == decided, "reads": flatten(r["eval"], [])}
    return {
        "policy_label": label, "in_scope": p["in_scope"],
        "scope": [{"label": f'{s["role"]} is in the pilot scope', "value": s["value"] or "(missing)", "result": "true" if s["listed"] else "false"} for s in p["scope"]],
        "signals": [{"name": s["name"], "result": s["result"], "reads": flatten(s["eval"], [])} for s in p["signals"]],
        "disqualify_rules": [rc(r) for r in p.get("disqualify_rules", [])],
        "evidence": [{"check": g.get("check", g.get("label", "")), "value": "(missing)" if g.get("value") is None else str(g.get("value")), "passed": g.get("passed", True)} for g in p.get("evidence", [])],
        "route_rules": [rc(r) for r in p.get("route_rules", [])],
        "decision": br, "unresolved_reasons": (br["reason"] or "").split("; ") if br["decision"] == "unresolved" else [],
        "text": "",
    }

def val(v):
    v = v.strip()
    return None if v in missing else v

byid = {r["Lead ID"].strip(): r for r in rows}
leads, inspections = [], {}
for i, x in enumerate(replay["flips"]["leads"][:400]):
    lid = x["lead_id"]; r = byid[lid]
    bb, db = brief(x["baseline"], bp), brief(x["draft"], dp)
    leads.append({"lead_id": lid, "company": r["Company"] or None, "baseline": bb, "draft": db, "converted": lid in converted_ids, "seller_outcome": val(r["Seller Outcome"])})
    if i < 60 and len(x.get("packets", [])) == 2:
        inspections[lid] = {
            "lead_id": lid,
            "fields": [[renames.get(h, h), (v.strip() if v.strip() not in missing else "(missing)")] for h, v in r.items()],
            "baseline": packet(x["packets"][0], bp, "v3 (published)", bb),
            "draft": packet(x["packets"][1], dp, "v4 draft", db),
            "outcome": {"converted": lid in converted_ids, "seller_outcome": val(r["Seller Outcome"]), "meeting": val(r["Meeting"]), "historical_decision": val(r["SDR Route"]), "first_touch_minutes": val(r["First Touch Minutes"]), "seller_feedback": val(r["Seller Feedback"])},
        }

if replay["flips"]["leads"] and replay["flips"]["leads"][0].get("packets"):
    sys.stderr.write("packet keys: %s\n" % list(replay["flips"]["leads"][0]["packets"][0].keys()))
    sys.stderr.write("evidence sample: %s\n" % json.dumps(replay["flips"]["leads"][0]["packets"][1].get("evidence"))[:400])

ub, ud = replay["baseline"]["unresolved_queue"]["by_reason"], replay["draft"]["unresolved_queue"]["by_reason"]
unresolved = [{"label": reason_words(k, dp), "baseline": ub.get(k, 0), "draft": ud.get(k, 0)} for k in sorted(set(ub) | set(ud))]

json.dump({
    "dataset": {"name": replay["dataset"]["name"], "mapping_path": "fixtures/sample/mapping.toml", "leads": replay["dataset"]["leads"], "converted": len(converted_ids), "fields": fields},
    "draftText": open("policies/draft.toml").read(), "baselineText": open("policies/baseline.toml").read(),
    "mappingText": open("fixtures/sample/mapping.toml").read(),
    "draft": policy_view("policies/draft.toml"), "baseline": policy_view("policies/baseline.toml"),
    "metrics": metrics, "flips": flips, "charts": charts, "unresolved": unresolved, "leads": leads, "inspections": inspections,
}, sys.stdout)
