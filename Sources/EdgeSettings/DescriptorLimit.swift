#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors, which client connections, origin connections and
/// the disk tier's open record files share.
public enum DescriptorLimit {
    /// The soft limit now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        // RLIM_INFINITY is the largest value: clamping reads it as "very many".
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one, as a server that holds many connections and files
    /// needs (shells and service managers often start processes at 1 024). Returns the limits before
    /// and after when it changed.
    @discardableResult
    public static func raiseToHard() -> (before: Int, after: Int)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let before = Int(clamping: limit.rlim_cur)
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return (before, Int(clamping: limit.rlim_max))
    }
}
