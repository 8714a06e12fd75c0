#!/usr/bin/env bash
# Installs what the web package's tests need on a fresh machine: Debian's Chromium (the browser
# tests drive it through playwright-core, which downloads no browser of its own), brotli (the
# transfer sizes of docs/web-bench.md), and the package's npm devDependencies from the lockfile.
# Run as root (or with sudo available) from anywhere; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v brotli >/dev/null || need+=(brotli)
if ((${#need[@]} > 0)); then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
npm ci --no-audit --no-fund
