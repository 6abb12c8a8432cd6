#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A traffic listener that could not be bound, told in one line that names the address:
/// `cannot listen on 127.0.0.1:8080: Address already in use`.
public struct ListenError: Error, CustomStringConvertible {
    /// The address as configured, `host:port`.
    public var address: String
    /// Why, in words (the system's message for socket errors).
    public var reason: String

    public var description: String { "cannot listen on \(address): \(reason)" }

    init(host: String, port: Int, underlying: any Error) {
        address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if let error = underlying as? IOError {
            // IOError's own description names NIO's internal call (`bind(descriptor:ptr:bytes:)`), which tells a user nothing.
            reason = String(cString: strerror(error.errnoCode))
        } else {
            reason = "\(underlying)"
        }
    }
}
