#!/usr/bin/env bash
# Installs what make test-arm64 and make test-jsc need on a fresh Debian machine: qemu-user-static
# (runs the linux/arm64 test binaries) and libjavascriptcoregtk-4.0-bin (the jsc shell, the
# JavaScriptCore of iOS). Run as root or with sudo available; idempotent.
set -euo pipefail

need=()
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
command -v jsc >/dev/null || need+=(libjavascriptcoregtk-4.0-bin)
if ((${#need[@]} > 0)); then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
