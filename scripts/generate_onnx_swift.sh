#!/bin/sh
# Regenerates Sources/CeilingONNX/Generated/onnx.pb.swift from onnx.proto, once per ONNX
# release (the result is committed: no build runs the protobuf plugin).
#
#   scripts/generate_onnx_swift.sh PYTHON
#
# PYTHON has the `onnx` package (its wheel ships onnx.proto). Needs Debian's protobuf-compiler
# (protoc) and protoc-gen-swift from swift-protobuf at the version Package.swift names, built
# from the package's checkout: `swift build -c release --product protoc-gen-swift` in
# .build/checkouts/swift-protobuf.
set -eu
python=${1:?usage: scripts/generate_onnx_swift.sh PYTHON (with the onnx package)}
cd "$(dirname "$0")/.."
proto_dir=$("$python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
plugin=${PROTOC_GEN_SWIFT:-.build/checkouts/swift-protobuf/.build/release/protoc-gen-swift}
[ -x "$plugin" ] || { echo "no $plugin (set PROTOC_GEN_SWIFT)" >&2; exit 1; }
protoc --plugin="$plugin" --swift_out=Sources/CeilingONNX/Generated --swift_opt=Visibility=Internal \
    -I "$proto_dir" "$proto_dir/onnx.proto"
echo "wrote Sources/CeilingONNX/Generated/onnx.pb.swift from $proto_dir/onnx.proto"
