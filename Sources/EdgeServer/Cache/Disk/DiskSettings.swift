/// `[cache.disk]`: where the disk tier keeps its records and how much it may hold.
public struct DiskSettings: Sendable, Equatable {
    /// A directory Edge owns; created if missing.
    public var path: String
    /// Bytes on disk, records (bodies and metadata) together.
    public var capacityBytes: Int
    /// Larger responses are not written to disk.
    public var maxObjectBytes: Int

    public init(path: String, capacityBytes: Int, maxObjectBytes: Int) {
        self.path = path
        self.capacityBytes = capacityBytes
        self.maxObjectBytes = maxObjectBytes
    }
}
