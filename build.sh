#!/usr/bin/env bash
# Builds the CLI and both WebAssembly modules into bin/.
#   bin/seminar             the command-line tool (native)
#   bin/seminar.wasm        the scoring module with SIMD128 (GOEXPERIMENT=simd)
#   bin/seminar-scalar.wasm the same module without SIMD, for runtimes that lack it
#   host/module/*.wasm.gz   both modules gzipped, embedded by package host/module (mode
#                           "module" only: regenerate them when the ABI or ranking changes)
# Usage: ./build.sh [cli|wasm|module|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")"

# Only Go 1.27 emits wasm SIMD; machines here start on an older Go with GOTOOLCHAIN=local.
export GOTOOLCHAIN="${SEMINAR_GOTOOLCHAIN:-go1.27.3}"
export GOFLAGS="${GOFLAGS:--trimpath}"
mkdir -p bin

build_cli() {
	# AVX2 kernels (chosen at run time) for training and --native ranking.
	GOEXPERIMENT=simd go build -o bin/seminar ./cmd/seminar
}

build_wasm() {
	# c-shared on wasip1 gives a reactor: _initialize, then the //go:wasmexport functions.
	GOOS=wasip1 GOARCH=wasm GOEXPERIMENT=simd \
		go build -buildmode=c-shared -ldflags=-s -o bin/seminar.wasm ./wasm
	GOOS=wasip1 GOARCH=wasm GOEXPERIMENT=nosimd \
		go build -buildmode=c-shared -ldflags=-s -o bin/seminar-scalar.wasm ./wasm
}

build_module() {
	build_wasm
	# -n leaves out the name and time stamp, so that equal modules give equal files.
	gzip -9nc bin/seminar.wasm >host/module/seminar.wasm.gz
	gzip -9nc bin/seminar-scalar.wasm >host/module/seminar-scalar.wasm.gz
}

case "${1:-all}" in
cli) build_cli ;;
wasm) build_wasm ;;
module) build_module ;;
all) build_cli && build_wasm ;;
*) echo "usage: $0 [cli|wasm|module|all]" >&2; exit 2 ;;
esac
