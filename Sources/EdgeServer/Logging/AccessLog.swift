#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import Synchronization

/// One line per request, in the combined log format or as JSON, to stdout or a file.
public final class AccessLog: Sendable {
    public enum Format: String, Sendable { case combined, json }

    /// The facts of one finished request.
    public struct Entry: Sendable {
        public var client: String
        public var method: String
        public var target: String
        public var version: String
        public var status: Int
        public var bytes: Int
        public var durationSeconds: Double
        public var cacheStatus: String
        public var origin: String?
        public var referer: String?
        public var userAgent: String?
        public var time: EpochSeconds
    }

    /// Held while writing, so that lines written from several event loops never interleave.
    private let fd: Mutex<Int32?>
    private let ownsDescriptor: Bool
    /// The file lines go to, when they go to one (`reopen` opens it again).
    private let path: String?
    private let format: Format
    /// Whether lines go anywhere; fixed at init, so asking needs no lock.
    public let isEnabled: Bool

    /// `destination`: "stdout", "off", or a file path (appended to, created when missing).
    public init(destination: String, format: Format) throws(AccessLogError) {
        self.format = format
        isEnabled = destination != "off"
        switch destination {
        case "off":
            fd = Mutex(nil)
            ownsDescriptor = false
            path = nil
        case "stdout", "-":
            fd = Mutex(STDOUT_FILENO)
            ownsDescriptor = false
            path = nil
        default:
            fd = Mutex(try Self.openForAppending(destination))
            ownsDescriptor = true
            path = destination
        }
    }

    private static func openForAppending(_ path: String) throws(AccessLogError) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw AccessLogError(path: path, reason: String(cString: strerror(errno)))
        }
        return descriptor
    }

    /// Opens the log file again by its path (`SIGUSR1`, `edge reopen-logs`): after logrotate moved
    /// the old file away, lines go to a new one. Lines in flight finish in the old file; when the
    /// file cannot be opened, lines keep going to the old one and the error is thrown.
    public func reopen() throws(AccessLogError) {
        guard ownsDescriptor, let path else { return }
        let fresh = try Self.openForAppending(path)
        let old = fd.withLock { descriptor in
            defer { descriptor = fresh }
            return descriptor
        }
        if let old { close(old) }
    }

    deinit {
        if ownsDescriptor, let descriptor = fd.withLock({ $0 }) {
            close(descriptor)
        }
    }

    /// Writes the line for `entry` at once.
    public func record(_ entry: Entry) {
        guard isEnabled else { return }
        var line = self.line(entry)
        line.withUTF8 { writeAll($0) }
    }

    /// The line for `entry`, ending in a newline.
    func line(_ entry: Entry) -> String {
        var line = format == .json ? Self.json(entry) : Self.combined(entry)
        line.append("\n")
        return line
    }

    /// Writes whole lines in one go.
    func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        fd.withLock { descriptor in
            guard let descriptor else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, base + offset, bytes.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return  // a full disk or closed stdout must not take requests down with it
                }
                offset += written
            }
        }
    }

    static func combined(_ e: Entry) -> String {
        let date = CommonLogDate.format(e.time)
        let duration = String(Int((e.durationSeconds * 1_000_000).rounded())) // microseconds
        return "\(e.client) - - [\(date)] \"\(escape(e.method)) \(escape(e.target)) \(e.version)\" \(e.status) \(e.bytes) "
            + "\"\(escape(e.referer ?? "-"))\" \"\(escape(e.userAgent ?? "-"))\" \(duration)us \"\(escape(e.cacheStatus))\" \(e.origin ?? "-")"
    }

    static func json(_ e: Entry) -> String {
        func q(_ s: String?) -> String { s.map(QuotedString.basic) ?? "null" }
        return "{\"time\":\(q(HTTPDate.format(e.time))),\"client\":\(q(e.client)),\"method\":\(q(e.method)),"
            + "\"target\":\(q(e.target)),\"version\":\(q(e.version)),\"status\":\(e.status),\"bytes\":\(e.bytes),"
            + "\"duration_ms\":\(Double(Int(e.durationSeconds * 1_000_000)) / 1000),\"cache_status\":\(q(e.cacheStatus)),"
            + "\"origin\":\(q(e.origin)),\"referer\":\(q(e.referer)),\"user_agent\":\(q(e.userAgent))}"
    }

    /// Quotes and control characters from a client must not forge log fields or lines.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\x" + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

public struct AccessLogError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot open access log \(path): \(reason)" }
}

/// `10/Oct/2000:13:55:36 +0000`, the date of the common log format, always in UTC.
enum CommonLogDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ time: EpochSeconds) -> String {
        var seconds = time_t(time)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two(parts.tm_mday))/\(months[Int(parts.tm_mon)])/\(parts.tm_year + 1900):\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
