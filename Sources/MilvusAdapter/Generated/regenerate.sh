#!/usr/bin/env bash
# regenerate.sh — regenerate the Swift client for Milvus's gRPC API (this folder's *.pb.swift
# and *.grpc.swift) from the protos that pymilvus ships.
#
# Run from anywhere, e.g. from the project root:
#     Sources/MilvusAdapter/Generated/regenerate.sh
# The generated files are committed: building the project needs neither protoc, Python nor
# the plugins. Run this only to change the API surface (edit RPCS / EXTRA_ROOTS in
# write_descriptors.py) or to move to another pymilvus / generator version.
#
# What it does, in a throw-away work dir (mktemp -d, removed at the end):
#   1. python3 -m venv + pip install pymilvus==3.0.2 (its pymilvus/grpc_gen/*_pb2 modules hold
#      the compiled protos of milvus.proto.{common,schema,msg,milvus}; no .proto sources ship);
#   2. write_descriptors.py writes a FileDescriptorSet pruned to the RPCs the adapter uses and
#      every message they reach (see that file for why and what);
#   3. makes sure protoc is there (Debian's protobuf-compiler, libprotoc 3.21: apt-get install
#      as root if it is missing);
#   4. writes a tools package (no targets of its own) and builds its dependencies' plugins:
#        swift build -c release --product protoc-gen-swift          (apple/swift-protobuf 1.39.0)
#        swift build -c release --product protoc-gen-grpc-swift-2   (grpc/grpc-swift-protobuf 2.4.1,
#                                                                     with grpc/grpc-swift-2 2.4.3)
#   5. protoc --descriptor_set_in=… with
#        --swift_opt=Visibility=Public,UseAccessLevelOnImports=true           (all kept files)
#        --grpc-swift-2_opt=Visibility=Public,Client=true,Server=false,UseAccessLevelOnImports=true
#                                                                             (milvus.proto only:
#                                                                      the others have no service)
#   6. escapes Swift keywords used as method names (protoc-gen-grpc-swift-2 2.4.1 emits
#      `func import<…>(` for `rpc Import`; no kept RPC needs it today, the step is a guard);
#   7. replaces this folder's *.pb.swift / *.grpc.swift with the new ones.
#
# The generated code needs the products SwiftProtobuf (apple/swift-protobuf 1.39.0), GRPCCore
# (grpc/grpc-swift-2 2.4.3) and GRPCProtobuf (grpc/grpc-swift-protobuf 2.4.1); the adapter adds
# GRPCNIOTransportHTTP2 (grpc/grpc-swift-nio-transport 2.9.2) for the connection. The target
# that holds this folder must exclude the two scripts, or SwiftPM warns about unhandled files:
#     exclude: ["Generated/regenerate.sh", "Generated/write_descriptors.py"]
# Imports: the generated files say `public import GRPCCore`, `internal import GRPCProtobuf`,
# `public import SwiftProtobuf` and `public import Foundation(Essentials)`. In Swift 6 mode a
# plain `import GRPCProtobuf` in another file of the same target is then an ERROR ("ambiguous
# implicit access level ... imported as 'internal' elsewhere"): the target's own files give these
# modules an explicit level (`internal import …`, `public import …` only where a public
# declaration needs it, else Swift warns). This also keeps working if the target turns on
# InternalImportsByDefault. Generated types are public (the adapter's public API names them).
#
# How long (2 cores, warm pip and SwiftPM caches, measured 2026-11-25): about 2 minutes —
# pip 15 s, protoc-gen-swift 60 s and protoc-gen-grpc-swift-2 45 s (release builds), protoc 1 s —
# plus any wait for SWIFT_BUILD_LOCK. With MILVUS_GEN_WORKDIR=DIR (e.g. .build/milvus-gen, which
# keeps the venv and the plugin builds) a second run takes about 10 s. Then recompiling the
# generated Swift (~17,300 lines) in the project: about 12 s (debug).
#
# Needs: bash, python3 (with venv), swift 6.x, protoc (or root + apt-get), network access to PyPI
# and to the Swift packages above. Environment knobs:
#     MILVUS_GEN_WORKDIR  keep the work dir there instead of a temp dir (relative = to the cwd)
#     SWIFT_BUILD_LOCK    a lock file: every `swift` call runs under `flock LOCK` (shared build
#                         machines)
#     PYTHON              python interpreter for the venv (default python3)
set -euo pipefail

PYMILVUS_VERSION=3.0.2
SWIFT_PROTOBUF_VERSION=1.39.0
GRPC_SWIFT_VERSION=2.4.3
GRPC_SWIFT_PROTOBUF_VERSION=2.4.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
START=$SECONDS

log() { printf '[regenerate %3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }

if [[ -n "${MILVUS_GEN_WORKDIR:-}" ]]; then
    mkdir -p "$MILVUS_GEN_WORKDIR"
    WORK="$(cd "$MILVUS_GEN_WORKDIR" && pwd)"
else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/milvus-gen.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
fi
log "work dir $WORK"

swift_cmd() {
    if [[ -n "${SWIFT_BUILD_LOCK:-}" ]]; then
        flock "$SWIFT_BUILD_LOCK" swift "$@"
    else
        swift "$@"
    fi
}

# 1. pymilvus in a throw-away venv
if [[ ! -x "$WORK/venv/bin/python" ]]; then
    "$PYTHON" -m venv "$WORK/venv"
fi
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pymilvus==$PYMILVUS_VERSION"
log "pymilvus $PYMILVUS_VERSION installed"

# 2. pruned descriptor set; stdout lists the kept .proto files, dependencies first
"$WORK/venv/bin/python" "$HERE/write_descriptors.py" "$WORK/milvus.desc" >"$WORK/proto-files.txt"
mapfile -t PROTO_FILES <"$WORK/proto-files.txt"
log "descriptor set: ${PROTO_FILES[*]}"

# 3. protoc
if ! command -v protoc >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing protobuf-compiler"
        apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null
    else
        echo "regenerate.sh: protoc not found; install Debian's protobuf-compiler" >&2
        exit 1
    fi
fi
log "$(protoc --version)"

# 4. the two plugins, from a tools package with no targets of its own
TOOLS="$WORK/tools"
mkdir -p "$TOOLS"
cat >"$TOOLS/Package.swift" <<EOF
// swift-tools-version:6.0
// Written by regenerate.sh: builds the protoc plugins of its dependencies.
import PackageDescription

let package = Package(
  name: "milvus-gen-tools",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "$SWIFT_PROTOBUF_VERSION"),
    .package(url: "https://github.com/grpc/grpc-swift-2", exact: "$GRPC_SWIFT_VERSION"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "$GRPC_SWIFT_PROTOBUF_VERSION"),
  ],
  targets: []
)
EOF
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
    log "building $product (release)"
    swift_cmd build -c release --package-path "$TOOLS" --product "$product" >"$WORK/build-$product.log" 2>&1 || {
        tail -n 40 "$WORK/build-$product.log" >&2
        exit 1
    }
done
BIN="$(swift_cmd build -c release --package-path "$TOOLS" --show-bin-path | tail -n 1)"
log "plugins built in $BIN"

# 5. generate into a fresh dir
OUT="$WORK/out"
rm -rf "$OUT"
mkdir -p "$OUT"
protoc --descriptor_set_in="$WORK/milvus.desc" \
    --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
    --swift_out="$OUT" \
    --swift_opt=Visibility=Public,UseAccessLevelOnImports=true \
    "${PROTO_FILES[@]}"
protoc --descriptor_set_in="$WORK/milvus.desc" \
    --plugin=protoc-gen-grpc-swift-2="$BIN/protoc-gen-grpc-swift-2" \
    --grpc-swift-2_out="$OUT" \
    --grpc-swift-2_opt=Visibility=Public,Client=true,Server=false,UseAccessLevelOnImports=true \
    milvus.proto

# 6. protoc-gen-grpc-swift-2 2.4.1 does not escape keywords in method names
#    (`rpc Import` -> `func import<Result>(`): backtick them in declarations.
KEYWORDS='associatedtype|class|deinit|enum|extension|fileprivate|func|import|init|inout|internal|let|open|operator|private|precedencegroup|protocol|public|rethrows|static|struct|subscript|typealias|var|break|case|catch|continue|default|defer|do|else|fallthrough|for|guard|if|in|repeat|return|switch|throw|where|while|as|Any|false|is|nil|self|Self|super|throws|true|try'
for f in "$OUT"/*.grpc.swift; do
    sed -E -i "s/\\bfunc (${KEYWORDS})([<(])/func \`\\1\`\\2/g" "$f"
done

# 7. replace the generated files next to this script
rm -f "$HERE"/*.pb.swift "$HERE"/*.grpc.swift
cp "$OUT"/*.swift "$HERE"/
for f in "$HERE"/*.pb.swift "$HERE"/*.grpc.swift; do
    log "wrote $(basename "$f") ($(wc -l <"$f") lines)"
done
log "done"
