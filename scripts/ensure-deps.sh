#!/bin/sh
# Installs the Debian packages refscope needs to build and test, when they
# are missing. Usage: ensure-deps.sh build|test|demo|fuzz
set -eu

build_packages="gcc make pkg-config libelf-dev libdw-dev libjson-c-dev libsqlite3-dev libzstd-dev liblz4-dev liblzma-dev"
demo_packages="$build_packages python3 gdb"
test_packages="$build_packages zstd lz4 xz-utils libcmocka-dev python3 python3-pytest python3-pytest-xdist gdb gdbserver python3.11 python3.11-dbg python3.11-dev graphviz libffi-dev"
# make fuzz: clang and its runtimes (libFuzzer, ASan, UBSan); the heap
# harness's seed core is of Debian's python3.11.
fuzz_packages="$build_packages clang-14 libclang-rt-14-dev python3.11"

case "${1:-build}" in
build) wanted=$build_packages ;;
test) wanted=$test_packages ;;
demo) wanted=$demo_packages ;;
fuzz) wanted=$fuzz_packages ;;
*) echo "usage: $0 build|test|demo|fuzz" >&2; exit 1 ;;
esac

missing=""
for pkg in $wanted; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $pkg"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "refscope needs these Debian packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
