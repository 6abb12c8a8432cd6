import Testing

@testable import EdgeCore

@Suite("The disk index: what memory keeps about records on disk")
struct DiskIndexTests {
    @Test("the index stays within its byte budget and never evicts the record just written")
    func budget() {
        var index = DiskIndex(capacityBytes: 10_000)
        var evicted: Set<UInt64> = []
        for hash in UInt64(1)...100 {
            let victims = index.insert(hash, size: 1_000)
            #expect(!victims.contains(hash))
            evicted.formUnion(victims)
            #expect(index.bytes <= 10_000)
        }
        #expect(index.count == 10)
        #expect(evicted.count == 90)
        #expect(index.contains(100))
    }

    @Test("replacing a record counts its new size once; removing gives the bytes back")
    func replaceAndRemove() {
        var index = DiskIndex(capacityBytes: 1 << 20)
        _ = index.insert(7, size: 100)
        _ = index.insert(7, size: 300)
        #expect(index.bytes == 300)
        #expect(index.count == 1)
        let removed = index.remove(7)
        let removedAgain = index.remove(7)
        #expect(removed)
        #expect(!removedAgain)
        #expect(index.bytes == 0)
    }

    @Test("records in use outlive those nobody asked for")
    func recency() {
        var survivedTouched = 0
        for _ in 0..<50 {
            var index = DiskIndex(capacityBytes: 4_000)
            for hash in UInt64(1)...4 { _ = index.insert(hash, size: 1_000) }
            _ = index.noteHit(1)
            _ = index.insert(5, size: 1_000)
            if index.contains(1) { survivedTouched += 1 }
        }
        // Sampling can miss every other record (odds about 1 in 1500 a round): nearly always, not always.
        #expect(survivedTouched >= 45)
    }

    @Test("while there is room every record is written; once full, one asked for once is turned away and a popular one gets in")
    func admission() {
        var index = DiskIndex(capacityBytes: 4_000, typicalObjectBytes: 1_000)
        for hash in UInt64(1)...4 {
            for _ in 0..<3 { index.recordAccess(hash) }
            let admitted = index.admits(hash, size: 1_000)
            #expect(admitted)
            _ = index.insert(hash, size: 1_000)
        }
        index.recordAccess(100)
        let oneHitWonder = index.admits(100, size: 1_000)
        #expect(!oneHitWonder, "a one-hit wonder pushes out nothing once the disk is full")
        for _ in 0..<10 { index.recordAccess(200) }
        let popular = index.admits(200, size: 1_000)
        #expect(popular, "an object asked for often earns its place")
        let held = index.admits(3, size: 1_000)
        #expect(held, "a record already held is always rewritten")
    }

    @Test("a record is unverified until checked or written by this node, and a replacement starts over")
    func verification() {
        var index = DiskIndex(capacityBytes: 10_000)
        _ = index.insert(1, size: 100)
        #expect(!index.isVerified(1))
        #expect(index.state(1).known && !index.state(1).verified)
        let hitKnown = index.noteHit(1)
        #expect(hitKnown, "a hit on a known record")
        #expect(index.isVerified(1))
        #expect(index.state(1).verified)
        let hitUnknown = index.noteHit(9)
        #expect(!hitUnknown, "a record the index does not know")
        #expect(!index.state(9).known)
        _ = index.insert(1, size: 200)
        #expect(!index.isVerified(1), "a new record under the same name is checked again")
        _ = index.insert(2, size: 100, verified: true)
        #expect(index.isVerified(2))
        #expect(!index.isVerified(3))
    }
}
