"""Reading egressmon's Prometheus exposition (the text /metrics serves) in the e2e tests."""


def parse_metrics(text):
    """{(name, frozenset of (label, value))): sample value} for every sample line."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        pairs = frozenset(tuple(p.split("=", 1)) for p in labels.rstrip("}").split(",") if p)
        values[(name, frozenset((k, v.strip('"')) for k, v in pairs))] = float(value)
    return values


def metric(values, name, **labels):
    """The sum of `name`'s samples whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in values.items() if n == name and want <= set(ls))


def by_label(values, name, label):
    """{value of `label`: sample} of one family, e.g. limit hits by limit."""
    return {dict(ls)[label]: v for (n, ls), v in values.items() if n == name and label in dict(ls)}
