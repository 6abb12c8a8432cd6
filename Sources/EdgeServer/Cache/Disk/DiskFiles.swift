#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// The disk tier's file operations, blocking, for its thread pool only. One file per record, named by
/// the hex of its key's hash under two levels of folders (nginx's `levels=1:2`), written under a
/// temporary name and renamed into place so that a reader sees a whole file or none.
package struct DiskFiles: Sendable {
    package let root: String
    /// Record files kept open between hits; told of every record unlinked or renamed into place.
    package let openRecords: OpenRecordCache

    package init(root: String, openRecords: OpenRecordCache = OpenRecordCache(capacity: 0)) {
        self.root = root
        self.openRecords = openRecords
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// FNV-1a: the same on every run (Swift's `Hasher` is seeded per process).
    package static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func name(_ hash: UInt64) -> String {
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    package func path(_ hash: UInt64) -> String {
        "\(root)/\(Self.relativePath(hash))"
    }

    /// The record's path under the root.
    static func relativePath(_ hash: UInt64) -> String {
        // `name`'s last digit, the two before it, then `name`: written digit by digit, as every disk
        // lookup asks for it.
        String(unsafeUninitializedCapacity: 21) { out in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { hex in
                for i in 0..<16 {
                    out[5 + i] = hex[Int((hash >> UInt64(60 - 4 * i)) & 0xF)]
                }
            }
            out[0] = out[20]
            out[1] = UInt8(ascii: "/")
            out[2] = out[18]
            out[3] = out[19]
            out[4] = UInt8(ascii: "/")
            return 21
        }
    }

    /// The root, opened for looking records up relative to it (`DiskRecordFile`).
    func openRoot() throws -> Int32 {
        let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(root): \(String(cString: strerror(errno)))") }
        return descriptor
    }

    /// Bytes available to this process on the root's file system.
    func freeBytes() -> Int? {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Creates the root and its `tmp` folder; throws when they cannot be made or written.
    package func prepare() throws {
        for folder in [root, "\(root)/tmp"] {
            if mkdir(folder, 0o755) != 0, errno != EEXIST {
                throw Failure(description: "cannot create \(folder): \(String(cString: strerror(errno)))")
            }
        }
        let probe = "\(root)/tmp/.probe-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write in \(root): \(String(cString: strerror(errno)))") }
        close(fd)
        unlink(probe)
    }

    package func write(_ record: ByteBuffer, hash: UInt64) throws {
        let (fd, temporary) = try createTemporary(hash)
        do {
            try Self.write(record, to: fd, at: 0)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        try commit(temporary, as: hash)
    }

    /// A new file in `tmp` for the record `hash`, open for writing: a record is written there whole
    /// and then renamed into place (`commit`), so that a reader sees a whole record or none.
    func createTemporary(_ hash: UInt64) throws -> (descriptor: Int32, path: String) {
        let temporary = "\(root)/tmp/\(Self.temporaryName(Self.name(hash)))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        return (fd, temporary)
    }

    /// Writes all of `bytes` at `offset`.
    static func write(_ bytes: ByteBuffer, to fd: Int32, at offset: Int) throws {
        let error = bytes.withUnsafeReadableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 0 }
            var done = 0
            while done < raw.count {
                let count = pwrite(fd, base + done, raw.count - done, off_t(offset + done))
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return count == 0 ? EIO : errno }
                done += count
            }
            return 0
        }
        guard error == 0 else { throw Failure(description: "cannot write a disk record: \(String(cString: strerror(error)))") }
    }

    /// Renames a whole record written in `tmp` into place; removes it if that fails.
    func commit(_ temporary: String, as hash: UInt64) throws {
        let name = Self.name(hash)
        let final = path(hash)
        for folder in ["\(root)/\(name.suffix(1))", "\(root)/\(name.suffix(1))/\(name.dropLast().suffix(2))"] where mkdir(folder, 0o755) != 0 && errno != EEXIST {
            unlink(temporary)
            throw Failure(description: "cannot create \(folder): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, final) == 0 else {
            let error = errno
            unlink(temporary)
            throw Failure(description: "cannot write \(final): \(String(cString: strerror(error)))")
        }
        // After the rename, never before: a lookup in between would keep the replaced file open.
        openRecords.forget(hash)
    }

    func remove(_ hash: UInt64) {
        unlink(path(hash))
        openRecords.forget(hash)
    }

    /// A name in `tmp` for a file being written: `<pid>.<what>.<random>`. The process id tells a node
    /// starting on the directory which files another node still running (the old one, during
    /// `edge serve --upgrade`) is writing.
    static func temporaryName(_ what: String) -> String {
        "\(getpid()).\(what).\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Deletes what writes cut off by a crash left in `tmp` (never a whole record: those were
    /// renamed): every file there but those of another process still running, which is writing them.
    func removeTemporaries() {
        for name in Self.folders("\(root)/tmp") {
            if let writer = name.split(separator: ".", maxSplits: 1).first.flatMap({ pid_t($0) }), writer != getpid(), RunningProcess.isRunning(writer) {
                continue
            }
            unlink("\(root)/tmp/\(name)")
        }
    }

    /// Every record file under the root with its size, for the index after a start.
    func scan(_ found: (UInt64, Int) -> Void) {
        for first in Self.folders(root) where first.count == 1 {
            for second in Self.folders("\(root)/\(first)") where second.count == 2 {
                let folder = "\(root)/\(first)/\(second)"
                for name in Self.folders(folder) where name.count == 16 {
                    guard let hash = UInt64(name, radix: 16) else { continue }
                    var info = stat()
                    if stat("\(folder)/\(name)", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                        found(hash, Int(info.st_size))
                    }
                }
            }
        }
    }

    /// The names in a folder (not `.` and `..`).
    private static func folders(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Appends `text` to the file at `path` and syncs it to the disk before returning.
    func appendDurably(_ text: String, to name: String) throws {
        let file = "\(root)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { raw in raw.baseAddress.map { Glibc.write(fd, $0, raw.count) } ?? 0 }
        guard written == bytes.count, fsync(fd) == 0 else { throw Failure(description: "cannot append to \(file): \(String(cString: strerror(errno)))") }
    }

    /// Replaces the file `name` with `text`, synced before it takes the old one's place.
    func replaceDurably(_ name: String, with text: String) throws {
        let temporaryName = "tmp/\(Self.temporaryName(name))"
        try appendDurably(text, to: temporaryName)
        guard rename("\(root)/\(temporaryName)", "\(root)/\(name)") == 0 else {
            unlink("\(root)/\(temporaryName)")
            throw Failure(description: "cannot replace \(root)/\(name): \(String(cString: strerror(errno)))")
        }
    }

    func readText(_ name: String) -> String {
        guard let buffer = try? read(path: "\(root)/\(name)") else { return "" }
        return String(buffer: buffer)
    }

    private func read(path: String) throws -> ByteBuffer? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = ByteBufferAllocator().buffer(capacity: 4096)
        while true {
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 65536) { bytes in
                guard let base = bytes.baseAddress else { return 0 }
                return max(0, Glibc.read(fd, base, bytes.count))
            }
            if count == 0 { return buffer }
        }
    }
}
