#!/usr/bin/env bash
# Installs every Debian package that egressmon's build, tests and benchmarks need.
# Idempotent: packages already present are skipped by apt; safe to run on every build.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config clang-format
    libpcap-dev libndpi-dev libhyperscan-dev librdkafka-dev prometheus-cpp-dev
    libyaml-cpp-dev zlib1g-dev libssl-dev libexpat1-dev liblzma-dev libpsl-dev publicsuffix libgtest-dev libgmock-dev libbenchmark-dev
    libndpi-bin tshark tcpdump iproute2 curl python3 python3-jsonschema
    poppler-utils unzip file libpoppler-cpp-dev
    prometheus kcat default-jre-headless maven
    clang libclang-rt-14-dev
    squid-openssl c-icap
    debhelper lintian systemd man-db logrotate procps
    # runtime libraries of ../shared/peers/suricata-8.0.6/suricata (bench/suricata_peer.py)
    libyaml-0-2 libjansson4 libpcre2-8-0 libmagic1 libcap-ng0 liblz4-1 libhyperscan5 libpcap0.8
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
