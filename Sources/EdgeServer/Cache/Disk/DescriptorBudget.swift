#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many record files the disk tier may keep open: the descriptors the rest of the node (client
/// and origin connections, listeners, logs, files being written) leaves, less a reserve kept free for
/// what arrives before the next look. Connections always come first: when they take more, the open
/// record files give way (`OpenRecordCache.allow`); when they close, the files may take the room.
///
/// A fixed share (nginx's `open_file_cache max=`) must be small enough for the busiest moment of
/// connections and so leaves most descriptors idle the rest of the time: on a machine whose limit
/// is 20 000, a quarter kept 5 000 record files open where 17 000 were free.
struct DescriptorBudget: Sendable, Equatable {
    /// The process's descriptor limit.
    let limit: Int
    /// Kept free at every look: an eighth of the limit, at least 256 (what a second of connection
    /// arrivals may take before the next look).
    let reserve: Int
    /// The most the cache may hold whatever is free: its slots (`open_files`).
    let ceiling: Int

    init(limit: Int, ceiling: Int) {
        self.limit = max(0, limit)
        reserve = max(256, self.limit / 8)
        self.ceiling = max(0, ceiling)
    }

    /// What the cache may hold when the process has `open` descriptors of which the cache holds `held`.
    func allowance(open: Int, held: Int) -> Int {
        let others = max(0, open - held)
        return max(0, min(ceiling, limit - reserve - others))
    }

    /// What the cache may hold at start, before the first look: a quarter of the limit.
    var initialAllowance: Int { min(ceiling, limit / 4) }

    /// Seconds between looks.
    static let interval: Int64 = 1

    /// How many descriptors this process has open; nil where that cannot be read (not Linux), and
    /// then the allowance stays at its initial value.
    static func openDescriptors() -> Int? {
        // The listing's own descriptor is one of the entries.
        entries(in: "/proc/self/fd").map { $0 - 1 }
    }

    /// The entries of `directory` other than `.` and `..`; nil when it cannot be listed.
    static func entries(in directory: String) -> Int? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var count = 0
        while let entry = readdir(stream) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return count
    }
}
