#!/bin/sh
# Coverage-guided fuzzing of the model loader, the ONNX import and the .npy reader with libFuzzer.
#
#   scripts/fuzz.sh model [SECONDS]    # safetensors header, metadata, weights, graph, one pass
#   scripts/fuzz.sh onnx [SECONDS]     # protobuf, ONNX graph translation, then as for model
#   scripts/fuzz.sh npy [SECONDS]      # NPY.read and NPY.readLabels
#
# Builds Fuzz/<Target>Fuzzer.swift together with the engine's sources (one module, so the
# target sees internal API; the onnx target adds the import's sources and links SwiftProtobuf,
# built first from the package's checkout in .build/checkouts) with -sanitize=fuzzer,address,
# seeds a corpus from Fuzz/seeds (tiny
# valid models, one per group of operations, so that mutations land on attributes) and from the
# bundled and fixture files no larger than SEED_MAX_BYTES (default 700000; the two ResNets and
# the DCGAN generator are bigger and would mostly have their weights mutated; for onnx, the ONNX
# fixtures), and runs for
# SECONDS (default 600). Each target has a custom mutator that edits the header and keeps its
# length field consistent. Work files live in .build/fuzz/<target>: the growing corpus in
# corpus/, and crash-*, timeout-* or oom-* inputs in findings/. Turn each finding into a file
# under Tests/CeilingEngineTests/Fixtures/regressions/, listed in its manifest.json.
# Extra arguments after SECONDS go to libFuzzer (for instance -use_value_profile=1).
set -eu

target=${1:?usage: scripts/fuzz.sh model|onnx|npy [SECONDS] [libFuzzer options]}
seconds=${2:-600}
[ $# -ge 2 ] && shift 2 || shift $#
extra=""
case $target in
    model) entry="Fuzz/ModelFuzzer.swift Fuzz/FuzzPass.swift"; pattern='*.bin' ;;
    onnx) entry="Fuzz/ONNXFuzzer.swift Fuzz/FuzzPass.swift"; pattern='*.onnx'
          extra=$(find Sources/CeilingONNX -name '*.swift' | sort) ;;
    npy) entry=Fuzz/NPYFuzzer.swift; pattern='*.npy' ;;
    *) echo "unknown target '$target' (model, onnx or npy)" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
work=.build/fuzz/$target
mkdir -p "$work/corpus" "$work/seeds" "$work/findings"

binary=$work/fuzz-$target
sources="$(find Sources/CeilingEngine -name '*.swift' | sort) $extra"
protobuf=""
if [ "$target" = onnx ]; then
    # SwiftProtobuf as its own module, once; the package's checkout holds its sources.
    proto=.build/fuzz/swift-protobuf
    if [ ! -f "$proto/libSwiftProtobuf.a" ]; then
        checkout=.build/checkouts/swift-protobuf/Sources/SwiftProtobuf
        [ -d "$checkout" ] || { echo "no $checkout: run swift build once first" >&2; exit 1; }
        mkdir -p "$proto"
        echo "building $proto"
        # shellcheck disable=SC2046
        (cd "$proto" && swiftc -swift-version 5 -O -sanitize=fuzzer,address -parse-as-library -module-name SwiftProtobuf -package-name swift_protobuf \
            -emit-module -emit-library -static $(find "$OLDPWD/$checkout" -name '*.swift') -o libSwiftProtobuf.a) \
            2> "$work/protobuf.log" || { cat "$work/protobuf.log" >&2; exit 1; }
    fi
    protobuf="-I $proto -L $proto -lSwiftProtobuf"
fi
if [ ! -x "$binary" ] || [ -n "$(find $sources $entry -newer "$binary" | head -n 1)" ]; then
    echo "building $binary"
    # shellcheck disable=SC2086
    # gold warns once per sanitizer symbol it cannot export; only real errors are shown.
    swiftc -swift-version 6 -O -sanitize=fuzzer,address -parse-as-library -module-name CeilingEngine \
        -I Sources/CBLAS -I Sources/CDNNL $protobuf $sources $entry -lopenblas -ldnnl -lgomp -o "$binary" \
        2> "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
    grep -v 'Cannot export local symbol' "$work/build.log" >&2 || true
fi

limit=${SEED_MAX_BYTES:-700000}
find Fuzz/seeds generators Tests/CeilingEngineTests/Fixtures Tests/CeilingONNXTests/Fixtures -name "$pattern" -size -"$limit"c | while read -r file; do
    cp "$file" "$work/seeds/$(echo "$file" | tr / _)"
done

# SWIFT_BACKTRACE=enable=no: otherwise each crash waits for Swift's backtracer before
# libFuzzer can record it.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$binary" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -dict="Fuzz/$target.dict" -artifact_prefix="$work/findings/" "$@" "$work/corpus" "$work/seeds"
