import EdgeCore
import Foundation
import NIOCore
import Testing
@testable import EdgeServer

/// Slices never mix representations, survive origins that ignore `Range`, go with one purge of their
/// URL, and answer every kind of range: a 4 MiB file in slices of 256 KiB.
@Suite("Slices stay consistent", .serialized, .memoryHeavy)
struct SliceConsistencyTests {
    static let slice = 256 << 10
    static let length = 4 << 20

    @Test("an origin whose file changes between two slice fetches never produces a mixed body", arguments: [false, true])
    func changedFileNeverMixes(disk: Bool) async throws {
        let origin = try await RangeFileOrigin(length: Self.length, seed: 1)
        let first = origin.file
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: disk) { edge in
            let seek = try await onThread { try edge.get("/v", headers: [("Range", "bytes=0-99")]) }
            #expect(seek.body == Array(first[0...99]))
            #expect(await SliceEndToEndTests.stored(edge, 2))
            origin.replace(seed: 2)
            let second = origin.file
            // Slice 0 is stored from the first file; slice 1 comes from the second: the response is cut
            // short (its head was out), never completed from two files.
            let cut = try? await onThread { try edge.get("/v") }
            if let cut {
                #expect(cut.body == first || cut.body == second, "a body of \(cut.body.count) bytes mixes two files")
            }
            // The stored slices were dropped: the next whole read is the second file, every byte of it.
            var whole: [UInt8]?
            #expect(await eventually(within: 20) {
                whole = try? edge.get("/v").body
                return whole?.count == Self.length
            })
            #expect(whole == second)
        }
        await origin.stop()
    }

    @Test("a changed file found before the response's head goes out starts the request again on the new file")
    func changedFileBeforeHeadStartsAgain() async throws {
        let origin = try await RangeFileOrigin(length: Self.length, seed: 1)
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: false) { edge in
            _ = try await onThread { try edge.get("/v", headers: [("Range", "bytes=0-99")]) }
            origin.replace(seed: 2)
            let second = origin.file
            // The head (first file) is fresh, the slice asked for is not stored: fetched first, it shows the change.
            let seek = try await onThread { try edge.get("/v", headers: [("Range", "bytes=600000-600099")]) }
            #expect(seek.status == 206)
            #expect(seek.body == Array(second[600_000...600_099]))
            let start = try await onThread { try edge.get("/v", headers: [("Range", "bytes=0-99")]) }
            #expect(start.body == Array(second[0...99]))
        }
        await origin.stop()
    }

    @Test("an origin that ignores Range has its 200 cut into slices as it streams, and later ranges are hits", arguments: [false, true])
    func originIgnoringRange(disk: Bool) async throws {
        let origin = try await RangeFileOrigin(length: Self.length, ignoresRange: true)
        let file = origin.file
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: disk) { edge in
            let seek = try await onThread { try edge.get("/v", headers: [("Range", "bytes=1000000-1000099")]) }
            #expect(seek.status == 206)
            #expect(seek.body == Array(file[1_000_000...1_000_099]))
            // The rest of the 200 goes on being stored after the client has its range: 16 slices and the head.
            let entries = { disk ? edge.server.disk?.stats.writes.value ?? 0 : edge.server.cache.store.stats.entries }
            #expect(await eventually(within: 20) { entries() >= 17 })
            let later = try await onThread { try edge.get("/v", headers: [("Range", "bytes=3000000-3000099")]) }
            #expect(later.body == Array(file[3_000_000...3_000_099]))
            #expect(later.cacheStatus.isHit, "\(later.cacheStatus)")
            let whole = try await onThread { try edge.get("/v") }
            #expect(whole.body == file)
            #expect(origin.origin.requestCount == 1)
        }
        await origin.stop()
    }

    @Test("one purge of the URL removes the head and every slice", arguments: [false, true])
    func purgeRemovesEverySlice(disk: Bool) async throws {
        let origin = try await RangeFileOrigin(length: Self.length)
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: disk) { edge in
            _ = try await onThread { try edge.get("/v") }
            #expect(await SliceEndToEndTests.stored(edge, 17))
            #expect(origin.origin.requestCount == 16)
            let purge = try await onThread { try edge.get("/v", method: "PURGE") }
            #expect(purge.status == 200)
            if !disk {
                #expect(edge.server.cache.store.stats.entries == 0)
            }
            let again = try await onThread { try edge.get("/v", headers: [("Range", "bytes=3000000-3000099")]) }
            #expect(!again.cacheStatus.isHit, "\(again.cacheStatus)")
            #expect(origin.origin.requestCount == 17)
        }
        await origin.stop()
    }

    @Test("suffix ranges, several ranges across slices and If-Range are answered from the slices")
    func rangesAcrossSlices() async throws {
        let origin = try await RangeFileOrigin(length: Self.length)
        let file = origin.file
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: false) { edge in
            let suffix = try await onThread { try edge.get("/v", headers: [("Range", "bytes=-100")]) }
            #expect(suffix.status == 206)
            #expect(suffix.body == Array(file[(Self.length - 100)...]))
            // The length is learnt from slice 0, then the last slice is fetched.
            #expect(origin.ranges == ["bytes=0-262143", "bytes=3932160-4194303"])

            let several = try await onThread { try edge.get("/v", headers: [("Range", "bytes=10-19, 262140-262149")]) }
            #expect(several.status == 206)
            let type = several.header("content-type") ?? ""
            #expect(type.hasPrefix("multipart/byteranges; boundary="))
            let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
            let expected = ByteRange.multipartBody(ranges: [10...19, 262_140...262_149], body: ByteBuffer(bytes: file), length: Self.length,
                                                   contentType: "video/mp4", boundary: boundary)
            #expect(several.body == Array(expected.body.readableBytesView))

            let matching = try await onThread { try edge.get("/v", headers: [("Range", "bytes=5-9"), ("If-Range", "\"v1\"")]) }
            #expect(matching.status == 206)
            #expect(matching.body == Array(file[5...9]))
            let stale = try await onThread { try edge.get("/v", headers: [("Range", "bytes=5-9"), ("If-Range", "\"v0\"")]) }
            #expect(stale.status == 200)
            #expect(stale.body == file)
            let notModified = try await onThread { try edge.get("/v", headers: [("If-None-Match", "\"v1\"")]) }
            #expect(notModified.status == 304)
        }
        await origin.stop()
    }

    @Test("a 304 for one slice freshens the object: the other slices are served from the store")
    func notModifiedFreshensEverySlice() async throws {
        let origin = try await RangeFileOrigin(length: Self.length, cacheControl: "max-age=0")
        let file = origin.file
        try await SliceEndToEndTests.withSlicedEdge(origin, slice: Self.slice, disk: false) { edge in
            _ = try await onThread { try edge.get("/v") }
            #expect(origin.origin.requestCount == 16)
            let again = try await onThread { try edge.get("/v") }
            #expect(again.body == file)
            #expect(again.cacheStatus.fwd == "stale", "\(again.cacheStatus)")
            #expect(again.cacheStatus.fwdStatus == 304, "\(again.cacheStatus)")
            #expect(origin.origin.requestCount == 17)
            #expect(origin.origin.requests.last?.headers.first(name: "if-none-match") == "\"v1\"")
        }
        await origin.stop()
    }
}
