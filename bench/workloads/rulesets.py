"""DLP rule sets of 10, 250 and 2,500 keywords (plus the same 20 regex rules), seeded.

Keywords look like what DLP policies hold: project code names, document markings, deal and
HR phrases, and one in ten Chinese (绝密项目N, ...). Every keyword carries a made-up token (a
code name, an organisation, a number) that the corpus vocabulary does not contain, so prose never
matches by accident. The sets are nested: rules-10 holds the first 10 keywords, rules-250 the
first 250, rules-2500 all, grouped 10 per rule, so a keyword planted from the first ten alerts
under every set.

Each keyword is searched in the four default encodings (utf-8, gb18030, utf-16le, utf-16be), so
the sets compile to 40, 1,000 and 10,000 keyword patterns plus the regexes.
"""

import random

NAMES = """Kestrel Osprey Nightjar Aurora Borealis Cobalt Falcon Granite Helios Indigo Juniper
Kodiak Lynx Meridian Nebula Obsidian Phoenix Quartz Raven Sierra Tundra Umbra Vortex Zephyr
Argon Basalt Cinder Dynamo Ember Fjord Glacier Halcyon Ironwood Jaguar Krypton Lodestar Monsoon
Nimbus Onyx Pegasus Quasar Redwood Sapphire Tempest Uplink Vanguard Wolverine Xenon Yukon Zenith
Albatross Blackbird Condor Dragonfly Eagle Firebird Gryphon Heron Ibis Jackal Kingfisher Lark
Mantis Narwhal Orca Puma Quetzal Scorpion Tarantula Viper Walrus Yak Zebra Atlas Boreas Cassini
Draco Electra Fornax Gemini Hydra Icarus Janus Kepler Lyra Mercury Nova Orion Perseus Rigel
Sirius Titan Ursa Vega Andromeda Bifrost Chimera Delphi Excalibur Fenrir Gungnir Hyperion Ithaca
Jormungand""".split()
ONSETS = "b br c ch d dr f g gr h j k kr l m n p pr qu r s sk st t tr v w z th sh".split()
VOWELS = "a e i o u ae ia ou ei y".split()
CODAS = ["", "", "n", "r", "s", "x", "l", "m", "th", "nd", "rk", "v"]

EN_TEMPLATES = [
    "Project {C}", "{C} roadmap", "{C} source code", "{C} acquisition", "{C} board deck",
    "{C} pricing model", "{C} design review", "Operation {C}", "{U}-{N}", "CONFIDENTIAL: {C}",
    "INTERNAL ONLY - {C}", "{O} PROPRIETARY", "Restricted - {C} team", "Do not distribute: {C}",
    "{C} merger agreement", "{C} layoff list", "{C} customer list", "{C} salary bands",
    "{C} patent draft", "{O} Attorney-Client Privileged", "{C} earnings preview",
    "{U} {N} specification", "{C} due diligence", "{O} trade secret",
]
CJK_TEMPLATES = ["绝密项目{N}", "{C}项目内部资料", "内部文件-{N}号", "商业秘密{N}", "机密★{C}计划",
                 "{C}并购方案", "核心技术{N}", "{O}未公开财报"]
THEMES = [("classified", "Document markings"), ("project", "Project code names"),
          ("m-and-a", "Deal rooms"), ("hr", "HR and compensation"), ("legal", "Privileged legal"),
          ("source-code", "Source code and designs"), ("finance", "Unreleased financials")]

REGEX_RULES = [
    ("Payment card number (unbroken)", "pci", 2,
     [r"\b(?:4\d{12}(?:\d{3})?|5[1-5]\d{14}|3[47]\d{13}|6(?:011|5\d\d)\d{12})\b"],
     {"validate": "luhn"}),
    ("Payment card number (grouped)", "pci", 2,
     [r"\b(?:4\d{3}|5[1-5]\d\d|6011|65\d\d)[ -]\d{4}[ -]\d{4}[ -]\d{4}\b"], {"validate": "luhn"}),
    ("IBAN (DE, GB, FR, NL, CH)", "pci", 2,
     [r"\b(?:DE\d{2}(?: ?\d{4}){4} ?\d{2}|GB\d{2} ?[A-Z]{4}(?: ?\d{4}){3} ?\d{2}"
      r"|FR\d{2}(?: ?\d{4}){5} ?[0-9A-Z]{2}\d|NL\d{2} ?[A-Z]{4}(?: ?\d{4}){2} ?\d{2}"
      r"|CH\d{2}(?: ?\d{4}){4} ?\d)\b"], {}),
    ("AWS access key id", "credentials", 2, [r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"], {}),
    ("AWS secret access key", "credentials", 1,
     [r"aws[_-]?secret[_-]?access[_-]?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}"],
     {"nocase": True}),
    ("Customer e-mail addresses (CRM export)", "pii", 3,
     [r"[A-Za-z0-9._%+-]+@clients\.acme-corp\.com\b"], {"nocase": True}),
    ("US social security number", "pii", 2, [r"\b[0-8]\d\d-\d\d-\d{4}\b"], {}),
    ("Private key (PEM)", "credentials", 1,
     [r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"], {}),
    ("GitHub token", "credentials", 1, [r"\bgh[pousr]_[A-Za-z0-9]{36}\b"], {}),
    ("Slack token", "credentials", 1, [r"\bxox[abpr]-[0-9]{8,13}-[0-9A-Za-z-]{10,48}"], {}),
    ("Google API key", "credentials", 2, [r"\bAIza[0-9A-Za-z_-]{35}"], {}),
    ("Stripe live secret key", "credentials", 1, [r"\b[rs]k_live_[0-9A-Za-z]{24,99}"], {}),
    ("JSON web token", "credentials", 3,
     [r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"], {}),
    ("Chinese resident identity number", "pii", 2, [r"\b[1-8]\d{16}[\dXx]\b"],
     {"validate": "gb11643"}),
    ("Internal host names", "infrastructure", 4, [r"\b[a-z0-9-]{2,40}\.int\.acme-corp\.net\b"],
     {"nocase": True}),
    ("Password assignment", "credentials", 2, [r"passw(?:or)?d\s*[:=]\s*\S{8}"],
     {"nocase": True}),
    ("Azure storage account key", "credentials", 1, [r"AccountKey=[A-Za-z0-9+/]{86}=="], {}),
    ("Database URI with credentials", "credentials", 1,
     [r"\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?)://[^\s:@/]+:[^\s@/]+@"],
     {"nocase": True}),
    ("Passport number", "pii", 2, [r"passport\s*(?:no\.?|number|#)\s*:?\s*[A-Z0-9]{8,9}\b"],
     {"nocase": True}),
    ("Medical record number", "phi", 2, [r"\bMRN[:# ]?\s*\d{7,10}\b"], {}),
]

SIZES = (10, 250, 2500)
KEYWORDS_PER_RULE = 10
KEYWORD_RULE_ID0 = 9000
REGEX_RULE_ID0 = 8001


def keywords(seed, n, vocabulary):
    """``n`` distinct keywords (case-insensitively distinct), every tenth one Chinese."""
    rng = random.Random(f"egressmon-rules-{seed}")
    vocab_text = " ".join(vocabulary).lower()

    def fresh(word):
        return word.lower() not in vocab_text

    def codename():
        if rng.random() < 0.35:
            name = rng.choice(NAMES)
            if rng.random() < 0.5:
                name += rng.choice(("", " ", "-")) + rng.choice(
                    ("II", "X", "Prime", "Blue", "Red", str(rng.randint(2, 99))))
            if fresh(name.split()[0].split("-")[0]):
                return name
        while True:
            w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                        for _ in range(rng.choice((2, 2, 3))))
            if 5 <= len(w) <= 12 and fresh(w):
                return w.capitalize()

    def org():
        return codename() + rng.choice((" Holdings", " Labs", " Systems", " Corp", " GmbH",
                                         " Technologies", ""))

    out, seen = [], set()
    while len(out) < n:
        chinese = len(out) % 10 == 7
        template = rng.choice(CJK_TEMPLATES if chinese else EN_TEMPLATES)
        c = codename()
        kw = template.format(C=c, U=c.upper().replace(" ", "-"), O=org(),
                             N=rng.randint(1, 9999))
        if kw.lower() not in seen:
            seen.add(kw.lower())
            out.append(kw)
    return out


def _q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sq(s):
    return "'" + s.replace("'", "''") + "'"


def rules_yaml(seed, keyword_list):
    """The YAML text of one rule set over ``keyword_list`` (the nested prefix)."""
    rng = random.Random(f"egressmon-rule-attrs-{seed}")
    n_rules = -(-len(keyword_list) // KEYWORDS_PER_RULE)
    lines = [f"# egressmon benchmark rule set: {len(keyword_list)} keywords in {n_rules} "
             f"rule(s) + {len(REGEX_RULES)} regex rules.",
             f"# Generated by bench/workloads/make_workloads.py (seed {seed}); do not edit.",
             "# Keywords are searched in every default encoding (utf-8, gb18030, utf-16le,",
             "# utf-16be): 4 patterns per keyword.", "", "rules:"]
    for i in range(0, len(keyword_list), KEYWORDS_PER_RULE):
        k = i // KEYWORDS_PER_RULE
        cat, theme = THEMES[k % len(THEMES)]
        sev = rng.choice((1, 2, 2, 3, 4))
        nocase = rng.random() < 0.6
        group = keyword_list[i:i + KEYWORDS_PER_RULE]
        lines += [f"  - id: {KEYWORD_RULE_ID0 + k}",
                  f"    name: {_q(f'{theme}, group {k + 1}')}",
                  f"    category: {cat}",
                  f"    severity: {sev}",
                  "    keywords:"]
        lines += [f"      - {_q(kw)}" for kw in group]
        if nocase:
            lines.append("    nocase: true")
    for j, (name, cat, sev, regexes, extra) in enumerate(REGEX_RULES):
        lines += [f"  - id: {REGEX_RULE_ID0 + j}", f"    name: {_q(name)}",
                  f"    category: {cat}", f"    severity: {sev}", "    regex:"]
        lines += [f"      - {_sq(r)}" for r in regexes]
        for key, value in extra.items():
            lines.append(f"    {key}: {'true' if value is True else value}")
    return "\n".join(lines) + "\n"
