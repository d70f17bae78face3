// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "Vectorscope",
  products: [
    .executable(name: "vscope", targets: ["vscope"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
  ],
  targets: [
    // The shared vocabulary: schemas, values, filter expressions, the VectorBackend protocol. No I/O.
    .target(name: "Model"),
    // Durable files: checksummed containers, the write-ahead log, the writer lock.
    .target(name: "Storage"),
    // The embedded store: collections, segments, exact search, filter evaluation.
    .target(name: "Engine", dependencies: ["Model", "Storage", "ANN"]),
    // The ANN index algorithms (HNSW, IVF_FLAT/SQ8/PQ, k-means) over plain float rows; no I/O.
    // Optimised in debug builds too: the tests build indexes, and unoptimised graph walks are ~30× slower.
    .target(name: "ANN", dependencies: ["CKernels"], swiftSettings: [.unsafeFlags(["-O"])]),
    // Distance kernels in C, chosen at run time for the CPU (AVX-512, AVX2 + FMA, or portable).
    .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
    // The Milvus adapter: the shared protocol over Milvus's gRPC API.
    .target(
      name: "MilvusAdapter",
      dependencies: [
        "Model",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      exclude: ["Generated/regenerate.sh", "Generated/write_descriptors.py"]
    ),
    // Import readers (JSON lines, CSV, .fvecs, .npy) and the JSON-lines writer.
    .target(name: "DataFormats", dependencies: ["Model"]),
    // The explorer's terminal layer: cell buffers, screens, widgets (the app arrives with its issue).
    .target(name: "TUI", dependencies: ["Model", "CNCursesW"]),
    // The C shim that shows ncursesw to Swift (linked through its module map; Debian: libncursesw5-dev).
    .systemLibrary(name: "CNCursesW", providers: [.apt(["libncursesw5-dev"])]),
    // The executable: the CLI and, later, the explorer.
    .executableTarget(
      name: "vscope",
      dependencies: [
        "Model", "Engine", "ANN", "DataFormats", "MilvusAdapter", "TUI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "ModelTests", dependencies: ["Model"]),
    .testTarget(name: "StorageTests", dependencies: ["Storage"]),
    .testTarget(name: "EngineTests", dependencies: ["Engine", "Model"]),
    .testTarget(name: "ANNTests", dependencies: ["ANN"]),
    .testTarget(name: "DataFormatsTests", dependencies: ["DataFormats", "Model"]),
    .testTarget(name: "MilvusAdapterTests", dependencies: ["MilvusAdapter", "Model", "Engine"]),
    .testTarget(name: "TUITests", dependencies: ["TUI", "Model", "Engine", "MilvusAdapter"], exclude: ["Snapshots"]),
    .testTarget(name: "vscopeTests", dependencies: ["Model"]),
    // Child processes that the crash tests kill with SIGKILL.
    .executableTarget(name: "storage-crash-child", dependencies: ["Storage"], path: "Tests/StorageCrashChild"),
    // The explorer on an embedded store, for the tests that drive it in tmux: `vscope-tui-demo DIR`.
    .executableTarget(name: "vscope-tui-demo", dependencies: ["TUI", "Engine", "Model"], path: "Tests/TUIDemo"),
    .executableTarget(name: "vscope-crash-child", dependencies: ["Engine", "Model"], path: "Tests/CrashChild"),
  ],
  swiftLanguageModes: [.v6]
)
