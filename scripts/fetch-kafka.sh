#!/usr/bin/env bash
# Downloads the Apache Kafka broker jars (see scripts/kafka/pom.xml) from Maven
# Central into ${EGRESSMON_CACHE_DIR:-$HOME/.cache/egressmon}/kafka-<version>/libs,
# for the end-to-end tests' real broker (tests/e2e/kafka_broker.py).
# Idempotent: a complete download leaves a marker and later runs return at once.
# The last line on stdout is the libs directory; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/kafka/pom.xml"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")"
[ -n "$version" ] || { echo "fetch-kafka: no kafka.version in $pom" >&2; exit 1; }

dest="${EGRESSMON_CACHE_DIR:-$HOME/.cache/egressmon}/kafka-$version"
libs="$dest/libs"
marker="$dest/.complete"

if [ ! -f "$marker" ]; then
    command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found" >&2; exit 1; }
    mkdir -p "$dest"
    # Copy into a scratch directory and move it into place only when Maven
    # succeeded, so an interrupted run never looks like a complete one.
    tmp="$(mktemp -d "$dest/libs.tmp.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    echo "fetch-kafka: downloading Kafka $version jars into $libs" >&2
    mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
    ls "$tmp"/kafka_2.13-"$version".jar >/dev/null
    rm -rf "$libs"
    mv "$tmp" "$libs"
    trap - EXIT
    touch "$marker"
fi

echo "$libs"
