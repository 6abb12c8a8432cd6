import EdgeSettings

/// `[cache.disk]`: where the disk tier keeps its records and how much it may hold.
public struct DiskSettings: Sendable, Equatable {
    /// A directory Edge owns; created if missing.
    public var path: String
    /// Bytes on disk, records (bodies and metadata) together.
    public var capacityBytes: Int
    /// Larger responses are not written to disk.
    public var maxObjectBytes: Int
    /// Record files kept open between hits (`OpenRecordCache`); by default `DiskConfig`'s.
    public var openFiles: Int

    /// `openFiles`: nil for the default.
    public init(path: String, capacityBytes: Int, maxObjectBytes: Int, openFiles: Int? = nil) {
        self.path = path
        self.capacityBytes = capacityBytes
        self.maxObjectBytes = maxObjectBytes
        self.openFiles = openFiles ?? DiskConfig().effectiveOpenFiles
    }
}
