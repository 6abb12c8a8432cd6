/// `[cache.disk]`: the disk tier behind the memory store. Without it Edge caches in memory only.
public struct DiskConfig: Sendable, Codable, Equatable {
    /// A directory Edge owns; created if missing.
    public var path: String = ""
    /// Bytes on disk, bodies and metadata together.
    public var size: ByteSize = .gibibytes(20)
    /// Larger responses are not written to disk. Unset, 1GiB or `size`, whichever is smaller.
    public var maxObjectSize: ByteSize = .gibibytes(1)
    /// Record files kept open between hits, so that a hit on them needs no `open`, at most; fewer
    /// while connections need the descriptors. Unset: the descriptor limit, at most 65 536
    /// (`effectiveOpenFiles`); 0 keeps none.
    public var openFiles: Int?

    public init(path: String = "", size: ByteSize = .gibibytes(20), maxObjectSize: ByteSize = .gibibytes(1), openFiles: Int? = nil) {
        self.path = path
        self.size = size
        self.maxObjectSize = maxObjectSize
        self.openFiles = openFiles
    }

    /// `open_files` as set, else the default for the descriptor limit the process has now.
    public var effectiveOpenFiles: Int {
        openFiles ?? min(65_536, DescriptorLimit.current)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path
        case size
        case maxObjectSize = "max_object_size"
        case openFiles = "open_files"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DiskConfig()
        path = try c.field(.path, default: d.path)
        size = try c.field(.size, default: d.size)
        // A small disk tier without its own limit takes objects up to its size, not an error about a key never written.
        maxObjectSize = try c.field(.maxObjectSize, default: min(d.maxObjectSize, size))
        openFiles = c.contains(.openFiles) ? try c.field(.openFiles, default: 0) : nil
    }

    func validate() throws(ConfigError) {
        if path.isEmpty { throw ConfigError(file: "", key: "cache.disk.path", message: "expected the directory the disk tier keeps its records in, like \"/var/cache/edge\"") }
        if size.bytes < 1 << 20 { throw ConfigError(file: "", key: "cache.disk.size", message: "must be at least 1MiB, got \(size)") }
        if maxObjectSize.bytes < 1 { throw ConfigError(file: "", key: "cache.disk.max_object_size", message: "must be more than 0, got \(maxObjectSize)") }
        if maxObjectSize > size { throw ConfigError(file: "", key: "cache.disk.max_object_size", message: "cannot be larger than cache.disk.size (\(size)), got \(maxObjectSize)") }
        if let openFiles {
            let limit = DescriptorLimit.current
            if openFiles < 0 { throw ConfigError(file: "", key: "cache.disk.open_files", message: "must be 0 (none kept open) or more, got \(openFiles)") }
            if openFiles > limit / 2 {
                throw ConfigError(file: "", key: "cache.disk.open_files", message: "\(openFiles) would leave too few of the process's \(limit) file descriptors for connections: at most \(limit / 2)")
            }
        }
    }
}
