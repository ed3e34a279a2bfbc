// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "ceiling",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ceiling", targets: ["ceiling"]),
        .library(name: "CeilingEngine", targets: ["CeilingEngine"]),
        .library(name: "CeilingBounds", targets: ["CeilingBounds"]),
        .library(name: "CeilingScience", targets: ["CeilingScience"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 of model files, recorded in every result for reproducibility.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Reads ONNX files (protobuf); the Swift for onnx.proto is generated once and committed
        // (scripts/generate_onnx_swift.sh), so no build runs the protobuf plugin.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C libraries from Debian: OpenBLAS for every GEMM, oneDNN for convolutions, GSL for
        // special functions and statistics.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        // The one JSON configuration every written file and --json output uses.
        .target(name: "CeilingJSON"),
        .target(name: "CeilingEngine", dependencies: ["CBLAS", "CDNNL"]),
        // ONNX import: an ONNX graph translated to the engine's model format.
        .target(name: "CeilingONNX", dependencies: ["CeilingEngine", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(name: "CeilingBounds", dependencies: ["CGSL", "CeilingJSON"]),
        .target(name: "CeilingScience", dependencies: ["CeilingEngine", "CeilingBounds", "CeilingJSON"]),
        .executableTarget(
            name: "ceiling",
            dependencies: [
                "CeilingEngine", "CeilingONNX", "CeilingBounds", "CeilingScience", "CeilingJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "CeilingEngineTests", dependencies: ["CeilingEngine"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CeilingONNXTests", dependencies: ["CeilingONNX"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CeilingScienceTests", dependencies: ["CeilingScience", "CeilingJSON"]),
        .testTarget(name: "CeilingBoundsTests", dependencies: ["CeilingBounds"], resources: [.copy("Fixtures")]),
        // Runs the built `ceiling` executable as a user would.
        .testTarget(name: "CeilingCommandTests"),
    ]
)
