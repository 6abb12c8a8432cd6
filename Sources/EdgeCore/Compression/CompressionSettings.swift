/// Compression levels for the three codings the edge makes.
public struct CompressionLevels: Sendable, Equatable, Codable {
    public var br: Int
    public var zstd: Int
    public var gzip: Int

    public init(br: Int, zstd: Int, gzip: Int) {
        self.br = br
        self.zstd = zstd
        self.gzip = gzip
    }

    /// The level for `coding` (0 for identity).
    public func level(for coding: ContentCoding) -> Int {
        switch coding {
        case .br: return br
        case .zstd: return zstd
        case .gzip: return gzip
        case .identity: return 0
        }
    }

    /// Stored variants are made once per object, so they can afford the slowest, densest levels.
    public static let stored = CompressionLevels(br: 11, zstd: 19, gzip: 9)
    /// On-the-fly compression runs per response: fast levels.
    public static let streaming = CompressionLevels(br: 4, zstd: 3, gzip: 5)

    /// The ranges each library accepts here.
    public static let ranges: [ContentCoding: ClosedRange<Int>] = [.br: 0...11, .zstd: 1...19, .gzip: 1...9]
}

/// What the edge compresses and how hard, as the running server reads it.
public struct CompressionSettings: Sendable, Equatable {
    /// Off: no new encoded variants are made (stored ones and origin codings are still served).
    public var enabled = true
    /// Media types worth compressing: `type/subtype`, `type/*` or `type/*+suffix`.
    public var types: [String] = CompressionSettings.defaultTypes
    /// Bodies smaller than this are sent as they are.
    public var minSize = 1024
    public var storedLevels = CompressionLevels.stored
    public var streamingLevels = CompressionLevels.streaming
    /// The codings the edge makes, best first.
    public var codings: [ContentCoding] = [.br, .zstd, .gzip]

    public init() {}

    public static let defaultTypes = [
        "text/*",
        "application/javascript", "application/x-javascript", "application/ecmascript",
        "application/json", "application/*+json",
        "application/xml", "application/*+xml",
        "image/svg+xml",
        "application/wasm",
        "font/ttf", "font/otf", "font/collection", "application/vnd.ms-fontobject",
        "application/x-font-ttf", "application/x-font-opentype",
    ]
}
