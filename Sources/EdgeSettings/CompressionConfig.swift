import EdgeCore

/// `[compression]`: which responses are compressed, and how hard.
public struct CompressionConfig: Sendable, Codable, Equatable {
    /// Off: the edge makes no encoded variants anywhere (origin-coded bodies are still decoded for clients that need it).
    public var enabled = true
    /// Media types worth compressing: `type/subtype`, `type/*`, `type/*+suffix`. Images, video,
    /// audio, archives and woff/woff2 are never compressed, whatever this says.
    public var types: [String] = CompressionSettings.defaultTypes
    /// Bodies smaller than this are sent as they are.
    public var minSize: ByteSize = .kibibytes(1)
    /// Levels for stored variants, made once per cached object.
    public var brLevel = CompressionLevels.stored.br
    public var zstdLevel = CompressionLevels.stored.zstd
    public var gzipLevel = CompressionLevels.stored.gzip
    /// Levels for responses compressed as they stream (not stored).
    public var streamBrLevel = CompressionLevels.streaming.br
    public var streamZstdLevel = CompressionLevels.streaming.zstd
    public var streamGzipLevel = CompressionLevels.streaming.gzip

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled
        case types
        case minSize = "min_size"
        case brLevel = "br_level"
        case zstdLevel = "zstd_level"
        case gzipLevel = "gzip_level"
        case streamBrLevel = "stream_br_level"
        case streamZstdLevel = "stream_zstd_level"
        case streamGzipLevel = "stream_gzip_level"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CompressionConfig()
        enabled = try c.field(.enabled, default: d.enabled)
        types = try c.field(.types, default: d.types)
        minSize = try c.field(.minSize, default: d.minSize)
        brLevel = try c.field(.brLevel, default: d.brLevel)
        zstdLevel = try c.field(.zstdLevel, default: d.zstdLevel)
        gzipLevel = try c.field(.gzipLevel, default: d.gzipLevel)
        streamBrLevel = try c.field(.streamBrLevel, default: d.streamBrLevel)
        streamZstdLevel = try c.field(.streamZstdLevel, default: d.streamZstdLevel)
        streamGzipLevel = try c.field(.streamGzipLevel, default: d.streamGzipLevel)
    }

    /// The running server's view of this section.
    public var settings: CompressionSettings {
        var settings = CompressionSettings()
        settings.enabled = enabled
        settings.types = types
        settings.minSize = minSize.bytes
        settings.storedLevels = CompressionLevels(br: brLevel, zstd: zstdLevel, gzip: gzipLevel)
        settings.streamingLevels = CompressionLevels(br: streamBrLevel, zstd: streamZstdLevel, gzip: streamGzipLevel)
        return settings
    }

    func validate() throws(ConfigError) {
        for (index, type) in types.enumerated() {
            let parts = type.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty || parts[0] == "*" || type.contains(" ") {
                throw ConfigError(file: "", key: "compression.types[\(index)]", message: "expected a media type like \"text/*\" or \"application/json\", got \"\(type)\"")
            }
        }
        if minSize.bytes < 0 { throw ConfigError(file: "", key: "compression.min_size", message: "cannot be negative") }
        let levels: [(String, Int, ContentCoding)] = [
            ("br_level", brLevel, .br), ("zstd_level", zstdLevel, .zstd), ("gzip_level", gzipLevel, .gzip),
            ("stream_br_level", streamBrLevel, .br), ("stream_zstd_level", streamZstdLevel, .zstd), ("stream_gzip_level", streamGzipLevel, .gzip),
        ]
        for (key, level, coding) in levels {
            guard let range = CompressionLevels.ranges[coding], range.contains(level) else {
                let range = CompressionLevels.ranges[coding].map { "\($0.lowerBound) to \($0.upperBound)" } ?? "?"
                throw ConfigError(file: "", key: "compression.\(key)", message: "expected \(range), got \(level)")
            }
        }
    }
}
