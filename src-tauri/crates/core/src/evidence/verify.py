#!/usr/bin/env python3
"""Checks a Qunguan evidence package with Python's standard library only.

Run it in the package's folder (or give the folder): python3 verify.py [DIR]
It checks every file against SHA256SUMS, every record's hash from its RFC 8785 form and its
link to the record before it, the chain heads the manifest names, and every evidence file
against the hash its record sealed. It prints what it checked and exits 1 on any problem.
"""

import hashlib
import json
import os
import re
import sys

FORMAT = "qunguan-evidence/1"
GENESIS = "0" * 64
SUMS = "SHA256SUMS"
# The fields of a record written before format 1, in the order its hash covers them.
LEGACY = ["case_id", "kind", "group", "actor", "target", "action", "reason", "rule",
          "evidence_hash", "created_at", "detail"]
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def quote(s):
    """A JSON string as ECMAScript's JSON.stringify writes it (RFC 8785, section 3.2.2.2)."""
    out = []
    for c in s:
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def canonical(v):
    """RFC 8785 for what records hold: null, booleans, integers up to 2^53, strings, arrays, objects."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        if abs(v) > 2 ** 53:
            raise ValueError("the number %d is beyond 2^53" % v)
        return str(v)
    if isinstance(v, float):
        raise ValueError("a non-integer number")
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    if isinstance(v, dict):
        # Members sorted by the UTF-16 code units of their names.
        keys = sorted(v, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(quote(k) + ":" + canonical(v[k]) for k in keys) + "}"
    raise ValueError("not JSON")


def hashed_form(record):
    """The bytes a record's hash covers after prev_hash and a newline."""
    if "v" not in record:
        # Legacy: compact JSON in field order, detail's keys sorted.
        parts = []
        for k in LEGACY:
            if k == "detail":
                d = record[k]
                parts.append(quote(k) + ":{" + ",".join(quote(x) + ":" + quote(d[x]) for x in sorted(d)) + "}")
            else:
                parts.append(quote(k) + ":" + canonical(record[k]))
        return ("{" + ",".join(parts) + "}").encode("utf-8")
    if record["v"] == 1:
        return canonical(record).encode("utf-8")
    raise ValueError("record format %r is unknown" % record["v"])


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def no_constants(name):
    raise ValueError("%s is not JSON" % name)


def load_json(data):
    return json.loads(data.decode("utf-8"), parse_constant=no_constants)


def safe(path):
    return path and not path.startswith("/") and "\\" not in path and ".." not in path.split("/")


def check_chain(chain, group, read, problem):
    """One chain's positions, records, evidence and heads; (records, withheld, evidence) counted."""
    records = withheld = evidence = 0
    positions = chain["positions"]
    prev = None
    for p in positions:
        seq = p["seq"]
        if prev is None:
            if seq == 1 and p["prev_hash"] != GENESIS:
                problem("unlinked", p["file"], seq, "the first record of a chain must follow the genesis")
        elif seq != prev["seq"] + 1:
            problem("unlinked", p["file"], seq, "positions are not consecutive")
        elif p["prev_hash"] != prev["hash"]:
            problem("unlinked", p["file"], seq, "prev_hash is not the hash of the record before it")
        prev = p
        if p["file"] is None:
            withheld += 1
            continue
        data = read(p["file"], seq)
        if data is None:
            continue
        records += 1
        try:
            record = load_json(data)
            form = hashed_form(record)
        except Exception as e:
            problem("unreadable", p["file"], seq, "the record cannot be read: %s" % e)
            continue
        if form != data:
            problem("not_canonical", p["file"], seq, "the file is not the record's hashed form")
        if sha256(p["prev_hash"].encode("utf-8") + b"\n" + form) != p["hash"]:
            problem("edited", p["file"], seq, "the record's hash does not match its content")
        theirs = (record.get("case_id"), record.get("kind"), record.get("group"), record.get("actor"))
        if theirs != (p["case_id"], p["kind"], group, chain["actor"]):
            problem("mismatch", p["file"], seq, "case, kind, group or actor differ from the manifest")
        if p["evidence"] is not None:
            ev = read(p["evidence"], seq)
            if ev is not None:
                evidence += 1
                if sha256(ev) != record.get("evidence_hash"):
                    problem("evidence", p["evidence"], seq, "its SHA-256 is not the evidence_hash its record sealed")
    if positions:
        last = positions[-1]["seq"]
        for name in ("head", "announced"):
            head = chain[name]
            if head is None:
                continue
            at = [q for q in positions if q["seq"] == head["count"]]
            if at and at[0]["hash"] != head["hash"]:
                problem("head", None, head["count"], "the %s head is not the record at its position" % name)
            if name == "head" and head["count"] < last:
                problem("head", None, head["count"], "the recorded head is before the last record listed")
    return records, withheld, evidence


def main(root):
    problems = []
    missing = set()

    def problem(kind, file, seq, detail):
        problems.append((kind, file, seq, detail))

    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            path = os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/")
            with open(os.path.join(d, n), "rb") as f:
                files[path] = f.read()

    # 1. Every file against SHA256SUMS.
    listed = set()
    if SUMS not in files:
        problem("missing", SUMS, None, "the checksum file is missing")
    else:
        for line in files[SUMS].decode("utf-8", "replace").splitlines():
            m = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
            if not m or not safe(m.group(2)):
                problem("unreadable", SUMS, None, "a line is not '<sha256>  <file>': %r" % line)
                continue
            want, path = m.group(1), m.group(2)
            listed.add(path)
            if path not in files:
                missing.add(path)
                problem("missing", path, None, "listed in SHA256SUMS but not in the package")
            elif sha256(files[path]) != want:
                problem("checksum", path, None, "its SHA-256 is not the one SHA256SUMS lists")
        for path in sorted(files):
            if path != SUMS and path not in listed:
                problem("extra", path, None, "not listed in SHA256SUMS")
    print("files: %d checked against SHA256SUMS" % len(listed))

    # 2. The manifest, the chains and the evidence.
    records = withheld = evidence = 0
    try:
        manifest = load_json(files["manifest.json"])
        if manifest["format"] != FORMAT:
            raise ValueError("format %r is not %s" % (manifest["format"], FORMAT))
        chains = manifest["chains"]
        group = manifest["group"]
    except Exception as e:
        if "manifest.json" not in missing:
            problem("unreadable", "manifest.json", None, "the manifest cannot be read: %s" % e)
        chains, group = [], None

    def read(path, seq):
        if path not in files:
            if path not in missing:
                missing.add(path)
                problem("missing", path, seq, "named in the manifest but not in the package")
            return None
        return files[path]

    for chain in chains:
        try:
            counts = check_chain(chain, group, read, problem)
        except (KeyError, TypeError, IndexError, AttributeError) as e:
            problem("unreadable", "manifest.json", None, "a chain entry cannot be read: %s" % e)
            continue
        records, withheld, evidence = records + counts[0], withheld + counts[1], evidence + counts[2]
    print("records: %d re-hashed (RFC 8785) and linked, %d withheld (hashes only)" % (records, withheld))
    print("evidence: %d checked against the hash its record sealed" % evidence)
    for kind, file, seq, detail in problems:
        where = " ".join(x for x in (file, None if seq is None else "#%d" % seq) if x)
        print("FAIL %s %s: %s" % (kind, where, detail))
    print("BROKEN: %d problem(s)" % len(problems) if problems else "OK: the package is intact")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))))
