#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Every listening socket of Edge is opened with `SO_REUSEPORT`, so that a new binary
/// (`edge serve --upgrade`) can bind the same addresses while the old node still holds them. The
/// kernel then keeps one accept queue per socket and spreads new connections over them; a socket
/// closed with connections still in its queue resets them. So each listener also tells the kernel
/// (a one-instruction classic BPF program, `SO_ATTACH_REUSEPORT_CBPF`) to send new connections to
/// the socket that joined the address second: the new node's, while an old one drains. Once the old
/// socket is closed the program's answer is out of range and the kernel falls back to its hash,
/// which has one socket left to pick. The old node's queue is then no longer fed, and it empties it
/// before closing (`EdgeServer.handOver`).
enum SharedListeningPort {
    /// `SO_REUSEPORT`, for `ServerBootstrap.serverChannelOption`.
    static let option = ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT)

    /// Throws (`EADDRINUSE`) when a socket already listens on `host:port`. `SO_REUSEPORT` would let
    /// a second node join an address by mistake; only `--upgrade` means to, so every other bind
    /// first checks with a socket of its own, without the option, that the address is free.
    static func checkUnclaimed(host: String, port: Int) throws {
        guard port != 0 else { return }
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let fd = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        defer { close(fd) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let result = address.withSockAddr { pointer, size in bind(fd, pointer, socklen_t(size)) }
        guard result == 0 else { throw IOError(errnoCode: errno, reason: "bind") }
    }

    /// Asks the kernel to steer new connections for `channel`'s address to the newest socket bound
    /// to it. Where the kernel refuses (not Linux, or too old), connections are spread by hash and
    /// an upgrade relies on the old node's overlap alone.
    static func steerToNewest(_ channel: Channel) async -> Bool {
        #if os(Linux)
        guard let provider = channel as? SocketOptionProvider else { return false }
        let program = SocketFilterProgram(length: 1, filter: returnSecondSocket)
        do {
            try await provider.unsafeSetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: attachReusePortCBPF, value: program).get()
            return true
        } catch {
            return false
        }
        #else
        return false
        #endif
    }

    /// `SO_ATTACH_REUSEPORT_CBPF` (Linux 4.5), missing from Swift's Glibc module.
    private static let attachReusePortCBPF: SocketOptionName = 51

    /// `struct sock_fprog`, field for field: the instruction count, then the address of the first
    /// instruction (the kernel copies the program while `setsockopt` runs).
    private struct SocketFilterProgram: Sendable {
        var length: UInt16
        var filter: UInt
    }

    /// `struct sock_filter`, field for field.
    private struct SocketFilter {
        var code: UInt16
        var jumpIfTrue: UInt8
        var jumpIfFalse: UInt8
        var k: UInt32
    }

    /// The program's one instruction, `BPF_RET | BPF_K` with k = 1: "return 1", the index of the
    /// socket that joined the address second. In memory that lives as long as the process.
    private static let returnSecondSocket: UInt = {
        let instruction = UnsafeMutablePointer<SocketFilter>.allocate(capacity: 1)
        instruction.initialize(to: SocketFilter(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, k: 1))
        return UInt(bitPattern: instruction)
    }()
}
