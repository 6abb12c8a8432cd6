import NIOHTTP1
import Synchronization

/// An origin serving one large file of deterministic bytes as a CDN's origin does: `Range` (one
/// range) answered with 206, a strong ETag, conditionals. The file can be replaced (a new version and
/// ETag) between requests; `ignoresRange` makes it answer every request with the whole 200.
final class RangeFileOrigin: Sendable {
    struct Version: Sendable {
        var bytes: [UInt8]
        var etag: String
    }

    private final class Current: Sendable {
        let version: Mutex<Version>
        init(_ version: Version) { self.version = Mutex(version) }
    }

    let origin: TestOrigin
    private let current: Current

    init(length: Int, seed: UInt64 = 1, ignoresRange: Bool = false, cacheControl: String = "max-age=600") async throws {
        let current = Current(Version(bytes: Self.generate(length, seed: seed), etag: "\"v\(seed)\""))
        self.current = current
        origin = try await TestOrigin { request in
            let version = current.version.withLock { $0 }
            var fields: [(String, String)] = [("Cache-Control", cacheControl), ("ETag", version.etag), ("Accept-Ranges", "bytes"),
                                             ("Content-Type", "video/mp4")]
            if request.headers.first(name: "if-none-match") == version.etag {
                return TestOrigin.Response(status: 304, headers: fields)
            }
            guard !ignoresRange, let range = request.headers.first(name: "range").flatMap({ Self.parse($0, length: version.bytes.count) }) else {
                var whole = TestOrigin.Response(headers: fields)
                whole.body = version.bytes
                return whole
            }
            fields.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound)/\(version.bytes.count)"))
            var partial = TestOrigin.Response(status: 206, headers: fields)
            partial.body = Array(version.bytes[range])
            return partial
        }
    }

    var file: [UInt8] { current.version.withLock { $0.bytes } }

    /// Replaces the file: new bytes, new ETag.
    func replace(seed: UInt64) {
        current.version.withLock { $0 = Version(bytes: Self.generate($0.bytes.count, seed: seed), etag: "\"v\(seed)\"") }
    }

    /// The `Range` values the origin was sent, in order (nil for a request without one).
    var ranges: [String?] { origin.requests.map { $0.headers.first(name: "range") } }

    func stop() async { await origin.stop() }

    /// `bytes=a-b` or `bytes=a-`, clipped to the length.
    private static func parse(_ value: String, length: Int) -> ClosedRange<Int>? {
        guard value.hasPrefix("bytes="), !value.contains(",") else { return nil }
        let bounds = value.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]), first < length else { return nil }
        let last = bounds[1].isEmpty ? length - 1 : min(length - 1, Int(bounds[1]) ?? length - 1)
        return first <= last ? first...last : nil
    }

    /// xorshift64*: the same bytes for the same seed, different for another.
    static func generate(_ length: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8](repeating: 0, count: length)
        // Through a raw pointer, a word at a time: a debug build checks every array subscript.
        bytes.withUnsafeMutableBytes { raw in
            var index = 0
            while index < length {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                var word = (state &* 0x2545_F491_4F6C_DD1D).littleEndian
                let count = min(8, length &- index)
                withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: index).copyMemory(from: $0.baseAddress!, byteCount: count) }
                index &+= count
            }
        }
        return bytes
    }
}
