#!/usr/bin/env python3
"""Converts egressmon rule YAML into Suricata 8 rules that look for the same encoded bytes.

    python3 bench/suricata_rules.py RULES.yaml [RULES.yaml ...] -o OUT.rules

For the Suricata side of the macro benchmark (bench/suricata_peer.py). Every content rule becomes
one Suricata rule per (egressmon rule, keyword pattern or regex, inspection point), because a
Suricata rule cannot say "any of these contents":

  * keyword patterns: each keyword in each of the rule's `encodings` (UTF-8, GB18030, UTF-16LE,
    UTF-16BE; the bytes egressmon's iconv produces), identical byte strings once (an ASCII
    keyword is the same in UTF-8 and GB18030); `nocase` kept;
  * regexes: `pcre:"/RE/s[i]"` (egressmon compiles them with HS_FLAG_DOTALL, and CASELESS under
    nocase), behind a `content:` of the longest literal the regex cannot match without, when
    there is one, so that Suricata's multi-pattern prefilter sees the rule as it would a
    hand-written one;
  * inspection points: the raw reassembled TCP stream (`alert tcp`, no sticky buffer), HTTP
    request bodies (`http.request_body`: dechunked, and decompressed as far as libhtp does) and
    SMTP files (`file.data` on `alert smtp`: MIME parts after base64/QP decoding).

Direction as egressmon means it (bytes sent by an inside host to an outside one, whoever opened
the connection): `egress` is `$HOME_NET any -> $EXTERNAL_NET any`, `ingress` the reverse, `any`
is `any any -> any any`; the app-layer points add `flow:to_server` (request bodies and SMTP
files only travel that way). HOME_NET is set by the caller (suricata_peer.py passes
egressmon's --home-net default with `--set vars.address-groups.HOME_NET=...`).

One alert per (flow, rule) is not asked of Suricata: sid = egressmon id * 10000 + n, and the
benchmark counts distinct (flow, egressmon id) pairs in eve.json afterwards (rule_id_of_sid).

What the rules cannot say is returned (and printed) as notes: validators (Luhn, GB 11643) are
not applied, so Suricata alerts on every regex match; `file:` conditions, protocol and
classification-only rules (`protocols`, `categories`, `risks`, `volume`) are left out; and
decoded layers egressmon inspects but these points do not reach (text inside docx/xlsx/pdf and
ZIP or gzip members, URL-decoded forms, UDP payloads) are listed once.
"""

import argparse
import sys

import yaml

ENCODINGS = ("utf-8", "gb18030", "utf-16le", "utf-16be")
POINTS = ("stream", "http", "smtp")  # the raw TCP stream, HTTP request bodies, SMTP files
SID_SPAN = 10000  # Suricata rules per egressmon rule; sid = id * SID_SPAN + n
MAX_SID = 2**32 - 1
MIN_LITERAL = 3  # shorter literals are not worth a prefilter content

GLOBAL_NOTES = (
    "decoded layers Suricata does not reach: text inside documents (docx/xlsx/pptx/odt/pdf), "
    "members of ZIP archives and gzip files inside bodies, URL-decoded query strings and form "
    "bodies, base64/QP multipart parts of HTTP uploads",
    "UDP payloads are not inspected (the stream point is TCP only)",
    "one alert per (flow, rule) is counted afterwards: distinct (flow 5-tuple, egressmon id) "
    "pairs in eve.json, not by Suricata itself",
)

CLASSIFICATION_KEYS = ("protocols", "categories", "risks", "volume")


def encode_keyword(keyword, encoding):
    """The keyword's bytes as egressmon searches them (iconv; no BOM for UTF-16)."""
    return keyword.encode(encoding)


def content_value(data):
    """`data` as the inside of a Suricata content:"..." (hex |..| for anything not plain)."""
    out, hexrun = [], []
    for b in data:
        if 0x20 <= b <= 0x7E and chr(b) not in '";\\|:':
            if hexrun:
                out.append("|" + " ".join(hexrun) + "|")
                hexrun = []
            out.append(chr(b))
        else:
            hexrun.append(f"{b:02X}")
    if hexrun:
        out.append("|" + " ".join(hexrun) + "|")
    return "".join(out)


def is_letter_byte(b):
    return 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def has_ascii_letter(data):
    return any(is_letter_byte(b) for b in data)


def folds_beyond_ascii(keyword, encoding):
    """True when a non-ASCII character of `keyword` has a byte that looks like an ASCII letter
    in `encoding` (a GB18030 trail byte, half of a UTF-16 unit): Suricata's nocase folds it,
    egressmon's does not."""
    return any(ord(c) > 0x7F and any(is_letter_byte(b) for b in c.encode(encoding))
               for c in keyword)


def safe_text(text):
    """Rule text for msg:, ASCII only, without the characters a rule option must escape."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '";\\|' else "?" for c in text)


def pcre_value(regex, nocase):
    body = regex.replace('"', '\\"').replace(";", "\\;")
    return f"/{body}/s{'i' if nocase else ''}"


def required_literal(regex):
    """The longest run of literal characters that every match of `regex` contains, or None.

    A conservative reading of the regex's top level: any top-level `|` gives None; a group,
    class, escape class (\\d, \\b, ...), `.` or anchor ends a run; a quantified character is
    dropped from its run and ends it."""
    depth, runs, run, i = 0, [], [], 0
    n = len(regex)
    escape_literals = set(".-/\\^$|?*+()[]{}@:=\"'#&~%!,<> _")

    def end_run():
        nonlocal run
        if run:
            runs.append("".join(run))
        run = []

    while i < n:
        c = regex[i]
        if c == "\\":
            nxt = regex[i + 1] if i + 1 < n else ""
            if depth == 0 and nxt in escape_literals:
                run.append(nxt)
                i += 2
                continue
            end_run()  # \d \b \s \w \xHH \p{..} \n ...: not taken as literal text
            i += 2
            if nxt in "xpPoNu" and i < n and regex[i] == "{":
                i = regex.index("}", i) + 1 if "}" in regex[i:] else n
            elif nxt == "x":
                hex_end = i + 2
                while i < min(n, hex_end) and regex[i] in "0123456789abcdefABCDEF":
                    i += 1
        elif c == "[":
            end_run()
            j = i + 1
            if j < n and regex[j] == "^":
                j += 1
            if j < n and regex[j] == "]":
                j += 1
            while j < n and regex[j] != "]":
                j += 2 if regex[j] == "\\" else 1
            i = j + 1
        elif c == "(":
            end_run()
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == "|":
            if depth == 0:
                return None
            i += 1
        elif c in "?*+{":
            if run:
                run.pop()  # the quantified character is not required as written
            end_run()
            if c == "{":
                i = regex.index("}", i) + 1 if "}" in regex[i:] else n
            else:
                i += 1
        elif c in ".^$":
            end_run()
            i += 1
        else:
            if depth == 0:
                run.append(c)
            i += 1
        # a quantifier right after a group or class applies to it; nothing to take back
    end_run()
    best = max(runs, key=len, default="")
    return best if len(best) >= MIN_LITERAL else None


def header(direction, proto):
    src, dst = {"egress": ("$HOME_NET", "$EXTERNAL_NET"),
                "ingress": ("$EXTERNAL_NET", "$HOME_NET"),
                "any": ("any", "any")}[direction]
    return f"alert {proto} {src} any -> {dst} any"


def point_parts(point):
    """(protocol of the header, options that select the buffer)."""
    return {"stream": ("tcp", ""),
            "http": ("http", "flow:to_server; http.request_body; "),
            "smtp": ("smtp", "flow:to_server; file.data; ")}[point]


def sid_of(rule_id, n):
    sid = rule_id * SID_SPAN + n
    if n >= SID_SPAN or sid > MAX_SID:
        raise ValueError(f"rule {rule_id}: sid {sid} out of range (ids up to "
                         f"{MAX_SID // SID_SPAN}, {SID_SPAN - 1} Suricata rules per rule)")
    return sid


def rule_id_of_sid(sid):
    return sid // SID_SPAN


def id_list(ids, shown=8):
    ids = [str(i) for i in ids]
    more = f", ... ({len(ids)} rules)" if len(ids) > shown else ""
    return ("rule " if len(ids) == 1 else "rules ") + ", ".join(ids[:shown]) + more


def load_rules(paths):
    rules = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
        rules += doc.get("rules") or []
    return rules


def convert(rules, points=POINTS):
    """Suricata rule lines for egressmon `rules` (dicts as in the YAML); returns
    (lines, notes, counts). `notes` says, rule by rule, what the lines do not express."""
    lines, notes, over_folded = [], [], []
    counts = {"rules_in": len(rules), "rules_converted": 0, "rules_left_out": 0,
              "keyword_patterns": 0, "distinct_byte_strings": 0, "regexes": 0,
              "regexes_without_prefilter": 0, "suricata_rules": 0, "converted_ids": []}
    for rule in rules:
        rid = int(rule["id"])
        name = str(rule.get("name", ""))
        label = f"rule {rid} ({name})"
        keywords = [str(k) for k in rule.get("keywords") or []]
        regexes = [str(r) for r in rule.get("regex") or []]
        nocase = bool(rule.get("nocase", False))
        encodings = rule.get("encodings") or list(ENCODINGS)
        direction = rule.get("direction", "egress")
        classification = [k for k in CLASSIFICATION_KEYS if rule.get(k)]
        if rule.get("file"):
            notes.append(f"{label}: left out: `file:` conditions (type, name, encryption, size "
                         f"of a file) have no Suricata equivalent on these points")
            counts["rules_left_out"] += 1
            continue
        if classification:
            what = ", ".join(classification)
            if keywords or regexes:
                notes.append(f"{label}: left out: content restricted by {what} (nDPI "
                             f"classification) has no Suricata equivalent here")
            else:
                notes.append(f"{label}: left out: classification-only rule ({what})")
            counts["rules_left_out"] += 1
            continue
        if not keywords and not regexes:
            notes.append(f"{label}: left out: no keywords or regexes")
            counts["rules_left_out"] += 1
            continue
        if rule.get("validate"):
            notes.append(f"{label}: validator `{rule['validate']}` not applied: Suricata alerts "
                         f"on every regex match (a superset of egressmon's alerts)")
        # (option text, nocase used) per pattern, the same for every point
        patterns, seen = [], set()
        folded_beyond_ascii = False
        for kw in keywords:
            for enc in encodings:
                counts["keyword_patterns"] += 1
                data = encode_keyword(kw, enc)
                key = data.lower() if nocase else data
                if key in seen:
                    continue
                seen.add(key)
                use_nocase = nocase and has_ascii_letter(data)
                if use_nocase and folds_beyond_ascii(kw, enc):
                    folded_beyond_ascii = True
                opts = f'content:"{content_value(data)}"; ' + ("nocase; " if use_nocase else "")
                patterns.append((f"{enc} keyword", opts))
        counts["distinct_byte_strings"] += len(patterns)
        if folded_beyond_ascii:
            over_folded.append(rid)
        for rx in regexes:
            counts["regexes"] += 1
            lit = required_literal(rx)
            opts = ""
            if lit:
                opts = f'content:"{content_value(lit.encode("utf-8"))}"; ' + (
                    "nocase; " if nocase else "")
            else:
                counts["regexes_without_prefilter"] += 1
            opts += f'pcre:"{pcre_value(rx, nocase)}"; '
            patterns.append(("regex", opts))
        n = 0
        for point in points:
            proto, buffer_opts = point_parts(point)
            for what, opts in patterns:
                n += 1
                msg = safe_text(f"egressmon {rid} {point} {what}: {name}")[:120]
                lines.append(f'{header(direction, proto)} (msg:"{msg}"; {buffer_opts}{opts}'
                             f"sid:{sid_of(rid, n)}; rev:1;)")
        counts["rules_converted"] += 1
        counts["converted_ids"].append(rid)
        counts["suricata_rules"] += n
    if over_folded:
        notes.append(f"nocase folds every byte in Suricata, also GB18030 trail bytes and UTF-16 "
                     f"halves of non-ASCII characters that look like ASCII letters (egressmon "
                     f"folds whole ASCII characters only), so these keyword patterns match a "
                     f"superset: {id_list(over_folded)}")
    without = [r for r in rules if r.get("regex") and not r.get("file")
               and not any(r.get(k) for k in CLASSIFICATION_KEYS)
               and any(required_literal(str(x)) is None for x in r.get("regex") or [])]
    if without:
        notes.append("regexes with no literal for Suricata's prefilter (pcre runs on every "
                     "packet/stream chunk/body of their point): "
                     + id_list([r["id"] for r in without]))
    return lines, notes, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rules", nargs="+", help="egressmon rule YAML file(s)")
    ap.add_argument("-o", "--output", required=True, help="Suricata rule file to write")
    args = ap.parse_args()
    lines, notes, counts = convert(load_rules(args.rules))
    with open(args.output, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{args.output}: {counts['suricata_rules']:,} Suricata rules from "
          f"{counts['rules_converted']} of {counts['rules_in']} egressmon rules "
          f"({counts['keyword_patterns']:,} keyword patterns, "
          f"{counts['distinct_byte_strings']:,} distinct byte strings, "
          f"{counts['regexes']} regexes)", file=sys.stderr)
    for note in list(notes) + list(GLOBAL_NOTES):
        print(f"  not expressed: {note}", file=sys.stderr)


if __name__ == "__main__":
    main()
