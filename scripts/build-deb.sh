#!/usr/bin/env bash
# Builds the Debian binary package of the current tree (tracked and untracked, not ignored
# files) with debhelper: packaging/debian/ is the debian/ directory, packaging/CMakeLists.txt
# the install rules. Prints the path of the .deb on stdout (everything else goes to stderr).
#
#   scripts/build-deb.sh [--build-dir DIR] [--out DIR] [--no-lintian]
#
# --build-dir DIR  package DIR/app/egressmon, from an existing Release build directory of this
#                  tree (brought up to date first), instead of compiling the project again:
#                  seconds instead of a full build (CI's test uses it on build/).
# --out DIR        where the .deb goes (default: build-deb/ at the repository root).
# --no-lintian     skip the lintian check (errors and warnings fail the build otherwise).
# Needs: dpkg-dev, debhelper, lintian and the project's build dependencies
# (scripts/install-deps.sh installs them all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=""
out="$root/build-deb"
lintian=1
while [ $# -gt 0 ]; do
    case "$1" in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --out) mkdir -p "$2"; out=$(cd "$2" && pwd); shift 2 ;;
    --no-lintian) lintian=0; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--out DIR] [--no-lintian]" >&2; exit 2 ;;
    esac
done
for tool in dpkg-buildpackage dh; do
    command -v "$tool" >/dev/null || { echo "build-deb: $tool missing (apt-get install dpkg-dev debhelper)" >&2; exit 2; }
done

prebuilt=""
if [ -n "$build_dir" ]; then
    cache="$build_dir/CMakeCache.txt"
    [ -f "$cache" ] || { echo "build-deb: $build_dir is not a CMake build directory" >&2; exit 2; }
    # Only an optimised, uninstrumented build is fit to ship.
    grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$cache" ||
        { echo "build-deb: $build_dir is not a Release build" >&2; exit 2; }
    for opt in EGRESSMON_SANITIZE EGRESSMON_TSAN EGRESSMON_FUZZ; do
        if grep -qE "^$opt:BOOL=(ON|TRUE|1)$" "$cache"; then
            echo "build-deb: $build_dir is built with $opt" >&2
            exit 2
        fi
    done
    grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$cache" ||
        { echo "build-deb: $build_dir is not a build of $root" >&2; exit 2; }
    cmake --build "$build_dir" --target egressmon >&2
    prebuilt="$build_dir/app/egressmon"
fi

# A fixed place under --out: with ccache, a second build of the same tree hits the cache (the
# compiler's arguments name the source folder, -ffile-prefix-map).
mkdir -p "$out"
stage="$out/.stage"
rm -rf "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$stage/src"
else
    tar -cf - -C "$root" --exclude='./build*' --exclude=./.git . | tar -xf - -C "$stage/src"
fi
cp -r "$root/packaging/debian" "$stage/src/debian"

echo "build-deb: dpkg-buildpackage in $stage/src${prebuilt:+ (binary: $prebuilt)}" >&2
# debhelper builds with one job unless told otherwise.
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
(cd "$stage/src" && EGRESSMON_PREBUILT="$prebuilt" dpkg-buildpackage -b -uc -us >&2)

debs=()
for f in "$stage"/*.deb "$stage"/*.ddeb; do
    [ -e "$f" ] || continue
    cp "$f" "$out/"
    debs+=("$out/$(basename "$f")")
done
deb=$(ls "$out"/egressmon_*"$(dpkg-parsechangelog -l "$root/packaging/debian/changelog" -S Version)"_*.deb)
if [ "$lintian" = 1 ]; then
    # --fail-on: errors and warnings fail; info and pedantic tags are printed only.
    lintian --fail-on error,warning "$deb" >&2
fi
echo "$deb"
