import Foundation
import Testing
@testable import EdgeServer
#if canImport(Glibc)
import Glibc
#endif

/// Open record files take only the descriptors the rest of the node leaves, less a reserve.
@Suite("The open record files' share of the descriptors")
struct DescriptorBudgetTests {
    @Test("the allowance is the limit less the reserve and what the rest of the node has open, within the cache's slots")
    func allowance() {
        let budget = DescriptorBudget(limit: 20_000, ceiling: 65_536)
        #expect(budget.reserve == 2_500, "an eighth of the limit")
        #expect(budget.initialAllowance == 5_000, "a quarter of the limit before the first look")
        // 100 descriptors of connections and the like, 4 000 held by the cache.
        #expect(budget.allowance(open: 4_100, held: 4_000) == 17_400)
        // Connections took 15 000: the files give way.
        #expect(budget.allowance(open: 19_000, held: 4_000) == 2_500)
        #expect(budget.allowance(open: 20_000, held: 0) == 0, "never below none")
        #expect(DescriptorBudget(limit: 20_000, ceiling: 1_000).allowance(open: 100, held: 0) == 1_000, "never above open_files")
        #expect(DescriptorBudget(limit: 1_024, ceiling: 1_024).reserve == 256, "at least 256 kept free")
    }

    @Test("the descriptors counted are the process's: opening files adds them, closing takes them away")
    func countsThisProcess() throws {
        let before = try #require(DescriptorBudget.openDescriptors())
        #expect(before >= 3)
        let opened = (0..<500).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { opened.forEach { close($0) } }
        #expect(opened.allSatisfy { $0 >= 0 })
        let during = try #require(DescriptorBudget.openDescriptors())
        // Tests running beside this one open and close connections too: a margin for them.
        #expect(abs(during - before - 500) < 100)
    }

    @Test("a directory's entries are counted without . and ..; one that cannot be listed gives nil")
    func entries() throws {
        let directory = try TemporaryDirectory()
        for name in ["a", "b", ".hidden"] {
            try "x".write(toFile: directory.path(name), atomically: false, encoding: .utf8)
        }
        #expect(DescriptorBudget.entries(in: directory.url.path) == 3)
        #expect(DescriptorBudget.entries(in: directory.path("missing")) == nil)
    }
}
