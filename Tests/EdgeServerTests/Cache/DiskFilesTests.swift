import EdgeSettings
import Testing
@testable import EdgeServer

@Suite("Disk files: where a record lives")
struct DiskFilesTests {
    @Test("a record's path is its name's last hex digit, the two digits before it, then its 16-digit name")
    func relativePathFromName() {
        for hash: UInt64 in [0, 1, 0xF, 0xABC, 0x0123_4567_89AB_CDEF, UInt64.max, DiskFiles.hash("test.example/pic.png")] {
            let name = DiskFiles.name(hash)
            #expect(name.utf8.count == 16)
            #expect(DiskFiles.relativePath(hash) == "\(name.suffix(1))/\(name.dropLast().suffix(2))/\(name)")
        }
        #expect(DiskFiles.relativePath(0x0123_4567_89AB_CDEF) == "f/de/0123456789abcdef")
    }
}

@Suite("Disk fill limits")
struct DiskFillLimitTests {
    @Test("the largest slice edge check allows is one the disk writer takes in one piece")
    func largestSliceFitsTheWriteQueue() {
        #expect(EdgeConfig.largestSlice.bytes <= DiskFill.maxQueuedBytes)
    }
}
