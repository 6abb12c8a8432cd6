import Foundation

/// What the kernel holds for a loopback TCP connection (`/proc/net/tcp`): bytes received that the
/// application has not read yet. Tests use it to see whether the edge reads a connection at a given
/// moment, which no HTTP exchange shows.
enum SocketQueues {
    /// Unread bytes on the socket bound to `localPort` and connected to `remotePort`; nil when no such
    /// connection is listed (or not on Linux).
    static func unreadBytes(localPort: Int, remotePort: Int) -> Int? {
        guard let table = readWhole("/proc/net/tcp") else { return nil }
        for line in table.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            guard columns.count > 4,
                  let local = columns[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = columns[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  local == localPort, remote == remotePort,
                  let received = columns[4].split(separator: ":").last.flatMap({ Int($0, radix: 16) })
            else { continue }
            return received
        }
        return nil
    }

    /// The kernel writes the table a page per read, so a short read is not its end: read until nothing comes.
    private static func readWhole(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
