#!/usr/bin/env python3
"""Check a leadpolicy export without leadpolicy: what a routing system runs before it loads a
policy file. Needs Python 3.8+ and the `cryptography` package (pip install cryptography).

    python3 verify_manifest.py POLICY.toml POLICY.manifest.json 'ed25519:<base64>'

Exit 0 and "verified" only when the manifest is signed by that key, unchanged since, and records
the sha256 of the policy file's exact bytes (and of each compiled SQL file it lists beside it);
otherwise exit 1 saying what is wrong. The format
is documented in the leadpolicy README ("Signed exports"); this file is the reference check and
is run by leadpolicy's test suite against real exports.
"""

import base64
from decimal import Decimal
import hashlib
import json
import math
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def js_number(x):
    """ECMAScript Number::toString (RFC 8785 section 3.2.2.3)."""
    if isinstance(x, bool):
        raise TypeError("not a number")
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("JSON has no NaN or infinity")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number(-x)
    # Shortest round-trip digits d1..dk and n with value = 0.d1..dk * 10^n.
    _, digit_tuple, exponent = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    n = exponent + len(digits)
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{head}e{sign}{abs(e)}"


def canonical(value):
    """RFC 8785 JSON Canonicalization Scheme."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(v) for k, v in items) + "}"


def main(policy_path, manifest_path, trusted_key):
    with open(policy_path, "rb") as f:
        policy = f.read()
    with open(manifest_path, "r", encoding="utf-8") as f:
        manifest = json.load(f)
    signature = manifest.get("signature")
    if not signature:
        return "the manifest carries no signature (stripped, or never signed): not trusted"
    if manifest.get("public_key") != trusted_key.strip():
        return f"the manifest is signed by {manifest.get('public_key')}, not by the trusted key"
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_key.strip()[len("ed25519:"):]))
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        key.verify(base64.b64decode(signature), canonical(unsigned).encode("utf-8"))
    except InvalidSignature:
        return "the manifest was edited after it was signed"
    actual = hashlib.sha256(policy).hexdigest()
    if actual != manifest.get("sha256"):
        return f"the policy file was edited after export: sha256 {actual}, the manifest records {manifest.get('sha256')}"
    # The compiled SQL views beside the policy file, when the export carries them.
    folder = os.path.dirname(os.path.abspath(policy_path))
    for view in manifest.get("compiled_sql", []):
        path = os.path.join(folder, view["file"])
        try:
            with open(path, "rb") as f:
                actual = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            return f"the manifest lists {view['file']}, which cannot be read: {e.strerror}"
        if actual != view["sha256"]:
            return f"{view['file']} was edited after export: sha256 {actual}, the manifest records {view['sha256']}"
    return None


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    problem = main(*sys.argv[1:])
    if problem:
        print(f"refused: {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"verified: {sys.argv[1]} is the exported file, signed by the trusted key")
