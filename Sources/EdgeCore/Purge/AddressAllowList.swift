#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Client addresses allowed to do something (send `PURGE` on the traffic listener): IPv4 and IPv6
/// addresses and CIDR blocks. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) matches as IPv4.
public struct AddressAllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        var bytes: [UInt8]
        var prefixLength: Int

        /// `"10.0.0.0/8"`, `"::1"`, `"127.0.0.1"`; nil when it is neither.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = AddressAllowList.parse(String(parts[0])) else { return nil }
            let bits = bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
                prefixLength = length
            } else {
                prefixLength = bits
            }
            self.bytes = bytes
        }

        func matches(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for index in 0..<bytes.count where remaining > 0 {
                let take = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= take
            }
            return true
        }
    }

    public let entries: [Entry]

    /// Entries that do not parse are left out (config validation reports them).
    public init(_ texts: [String]) {
        entries = texts.compactMap(Entry.init)
    }

    /// Whether a client address (as NIO prints it, e.g. "127.0.0.1" or "::1") is allowed.
    public func allows(_ address: String) -> Bool {
        guard var bytes = Self.parse(address) else { return false }
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        return entries.contains { $0.matches(bytes) }
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
