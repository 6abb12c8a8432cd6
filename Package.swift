// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Edge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edge", targets: ["edge"]),
        .library(name: "EdgeCore", targets: ["EdgeCore"]),
        .library(name: "EdgeCodecs", targets: ["EdgeCodecs"]),
        .library(name: "EdgeSettings", targets: ["EdgeSettings"]),
        .library(name: "EdgeServer", targets: ["EdgeServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // System codecs from Debian's -dev packages (.ci/run installs them).
        .systemLibrary(name: "CBrotli", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        // The allocator: glibc's malloc left about 90 bytes per cached object in holes between live
        // allocations; jemalloc's size-class slabs do not (README, "Memory").
        .systemLibrary(name: "CJemalloc", providers: [.apt(["libjemalloc-dev"])]),
        // A few Linux calls Swift cannot make itself (openat2, preadv2) and the CPU's CRC-32C.
        .target(name: "CEdgeSystem"),
        // Pure logic: no system libraries, no config file format.
        .target(
            name: "EdgeCore",
            dependencies: [
                "CEdgeSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // brotli, zstd and gzip over the system libraries.
        .target(
            name: "EdgeCodecs",
            dependencies: [
                "EdgeCore",
                "CBrotli",
                "CZlib",
                "CZstd",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The config model: TOML decoding, validation, rendering, file:line errors.
        .target(
            name: "EdgeSettings",
            dependencies: [
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "EdgeServer",
            dependencies: [
                "EdgeCore",
                "EdgeCodecs",
                "EdgeSettings",
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "edge",
            dependencies: [
                "EdgeCore",
                "EdgeServer",
                "EdgeSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "EvictionBenchmark",
            dependencies: ["EdgeCore"],
            path: "Benchmarks/EvictionBenchmark",
            exclude: ["RESULTS.md"]
        ),
        .executableTarget(
            name: "PurgeBenchmark",
            dependencies: [
                "EdgeCore",
                "EdgeServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PurgeBenchmark"
        ),
        .executableTarget(
            name: "HotPathBenchmark",
            dependencies: [
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPathBenchmark"
        ),
        .executableTarget(
            name: "MemoryProbe",
            dependencies: [
                "EdgeCore",
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/MemoryProbe"
        ),
        .executableTarget(
            name: "DiskFill",
            dependencies: [
                "EdgeCore",
                "EdgeServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/DiskFill"
        ),
        .testTarget(
            name: "EdgeCoreTests",
            dependencies: [
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EdgeCodecsTests",
            dependencies: [
                "EdgeCodecs",
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EdgeSettingsTests",
            dependencies: [
                "EdgeSettings",
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Test support: a node driven in memory on EmbeddedChannel (and the test origins beside it).
        .target(
            name: "EdgeTesting",
            dependencies: [
                "EdgeCore",
                "EdgeServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "EdgeServerTests",
            dependencies: [
                "EdgeCore",
                "EdgeServer",
                "EdgeTesting",
                "EdgeSettings",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
    ]
)
