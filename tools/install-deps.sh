#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# install-deps.sh -- install the Debian packages listed in tools/deps.txt
#
# Only the packages that are not installed are passed to apt-get, so a
# machine that has everything returns at once without touching apt.
# Runs apt-get directly as root and through sudo otherwise.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
list=${DEPS_FILE:-$here/deps.txt}

if [ ! -r "$list" ]; then
	echo "install-deps: cannot read $list" >&2
	exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found; this script expects Debian 12" >&2
	exit 1
fi

wanted=()
while IFS= read -r line || [ -n "$line" ]; do
	pkg=${line%%#*}
	pkg=${pkg//[[:space:]]/}
	if [ -n "$pkg" ]; then
		wanted+=("$pkg")
	fi
done <"$list"
[ ${#wanted[@]} -gt 0 ] || exit 0

# One dpkg-query for the whole list keeps the common case fast.
declare -A ok=()
while read -r pkg s1 s2 s3; do
	if [ "$s1 $s2 $s3" = "install ok installed" ]; then
		ok[$pkg]=1
	fi
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)

missing=()
for pkg in "${wanted[@]}"; do
	if [ -z "${ok[$pkg]:-}" ]; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "install-deps: missing packages (${missing[*]}) and not root, no sudo" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update; then
	echo "install-deps: apt-get update failed" >&2
	exit 1
fi
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"; then
	echo "install-deps: apt-get install failed for: ${missing[*]}" >&2
	exit 1
fi

# apt-get can succeed and still leave a package unconfigured; check again.
still=()
for pkg in "${missing[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "install ok installed" ]; then
		still+=("$pkg")
	fi
done
if [ ${#still[@]} -ne 0 ]; then
	echo "install-deps: still not installed: ${still[*]}" >&2
	exit 1
fi
