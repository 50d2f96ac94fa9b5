#!/usr/bin/env bash
# The main job on the bundled sample: install dependencies, build (Release), and run egressmon on
# samples/sample.pcap with the default rules: EVE alerts and one EVE flow record per flow to
# stdout, the --stats summary on stderr. Installing and building write to stderr only, so stdout is
# the records alone: `./scripts/run-sample.sh | jq .` works.
set -euo pipefail
cd "$(dirname "$0")/.."
{
    ./scripts/install-deps.sh
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
    cmake --build build --target egressmon
} 1>&2
exec ./build/app/egressmon -r samples/sample.pcap --rules rules/default.yaml --flows - --stats
