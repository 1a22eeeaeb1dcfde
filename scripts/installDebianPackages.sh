#!/usr/bin/env bash
# The Debian packages the build and tests need, as the README's first step: chromium (the e2e
# browser), build-essential python3 pkg-config libkrb5-dev (code-server's native addons are
# compiled against Node 24's headers), redis-server (the Redis-backed store tests).
# Runs `apt-get update` first (a fresh machine's package lists are empty) and works as root without
# sudo, or as a user through sudo. Already installed packages are skipped quickly.
#   bash scripts/installDebianPackages.sh [extra packages…]
set -euo pipefail

packages=(chromium build-essential python3 pkg-config libkrb5-dev redis-server "$@")

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "installDebianPackages: run this as root, or install sudo (as root: apt-get install sudo)" >&2
		exit 1
	fi
}

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "apt: all packages already installed (${packages[*]})"
	exit 0
fi
echo "apt: installing ${missing[*]}"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "apt: done"
