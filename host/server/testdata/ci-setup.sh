#!/bin/sh
# Installs what the server's tests need beyond Go: redis-server (Debian's package), which the
# Redis store and crash tests start themselves on a free loopback port. Without it those tests
# skip; CI runs this first and sets SEMINAR_REQUIRE_REDIS=1, so that there they fail instead.
set -eu
if command -v redis-server >/dev/null 2>&1; then
	redis-server --version
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
# Another apt run (a sibling setup script) may hold the lock: wait for it rather than fail.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 redis-server
redis-server --version
