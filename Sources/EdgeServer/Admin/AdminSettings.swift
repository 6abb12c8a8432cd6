import EdgeCore
import EdgeSettings
import NIOCore

/// The admin listener and purging, in the server's terms (from `[admin]` and `[purge]`).
public struct AdminSettings: Sendable {
    /// Where the admin API listens; nil opens no admin listener (embedded servers, tests).
    public var listen: (host: String, port: Int)?
    /// Bearer token every admin request must carry; empty means none (loopback listeners only).
    public var token: String = ""
    /// Admin URLs of the other nodes a client's purge is forwarded to.
    public var peers: [PeerURL] = []
    public var peerTimeout: TimeAmount = .seconds(2)
    public var peerRetries: Int = 2
    /// Clients whose `PURGE /path` on the traffic listener is obeyed.
    public var purgeAllow = AddressAllowList(["127.0.0.1", "::1"])
    /// Largest admin request body; larger ones get 413.
    public var maxBodyBytes: Int = 64 * 1024

    public init(listen: (host: String, port: Int)? = nil, token: String = "", peers: [PeerURL] = []) {
        self.listen = listen
        self.token = token
        self.peers = peers
    }
}

/// The admin listener was refused before binding: a non-loopback address without a token.
public struct AdminListenerError: Error, CustomStringConvertible {
    public var address: String

    public var description: String {
        "refusing to open the admin API on \(address) without a token: it is not a loopback address. "
            + "Set admin.token (or EDGE_ADMIN_TOKEN), or listen on 127.0.0.1"
    }
}

enum LoopbackAddress {
    /// 127.0.0.0/8, ::1 and "localhost".
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        return AddressAllowList(["127.0.0.0/8", "::1"]).allows(host)
    }
}

/// Compares secrets in time that depends only on their lengths, not on where they differ.
enum ConstantTime {
    static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        var left = a.makeIterator()
        var right = b.makeIterator()
        for _ in 0..<max(a.count, b.count) {
            difference |= (left.next() ?? 0) ^ (right.next() ?? 0)
        }
        return difference == 0
    }
}

extension AdminSettings {
    /// `[admin]` and `[purge]` of a validated config; the admin listener is opened.
    public init(_ config: EdgeConfig) {
        self.init(listen: (config.admin.listen.host, config.admin.listen.port), token: config.admin.token,
                  peers: config.purge.peers.compactMap(PeerURL.init))
        peerTimeout = config.purge.peerTimeout.timeAmount
        peerRetries = config.purge.peerRetries
        purgeAllow = AddressAllowList(config.purge.allow)
    }
}
