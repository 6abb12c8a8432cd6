#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain blocking TCP sockets to loopback, shared by the raw test clients.
enum LoopbackSocket {
    /// A connected socket to `host`:`port` (127.0.0.1, or another loopback address such as 127.0.0.2)
    /// whose reads and writes time out after `timeoutSeconds`.
    static func connect(host: String = "127.0.0.1", port: Int, timeoutSeconds: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPConnection.Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw RawHTTPConnection.Failure(description: "connect to port \(port) failed")
        }
        return fd
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks (not listening yet), and that port.
    static func bindAnyPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPConnection.Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw RawHTTPConnection.Failure(description: "bind() failed")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A TCP socket listening on 127.0.0.1 on a port the kernel picks, and that port.
    static func listenAnyPort(backlog: Int32 = 16) throws -> (fd: Int32, port: Int) {
        let (fd, port) = try bindAnyPort()
        guard listen(fd, backlog) == 0 else {
            close(fd)
            throw RawHTTPConnection.Failure(description: "listen() on loopback failed")
        }
        return (fd, port)
    }

    /// Writes all of `bytes`, or throws.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw RawHTTPConnection.Failure(description: "send failed (errno \(errno))") }
            offset += written
        }
    }
}
