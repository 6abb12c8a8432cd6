import Testing

@testable import EdgeCore

@Suite("The purge journal: purges that hold for records on disk across restarts")
struct PurgeJournalTests {
    @Test("a purge covers records stored before it, never those stored after")
    func ordering() {
        var journal = PurgeJournal()
        let storedBefore = journal.next - 1
        _ = journal.record(PurgeSelection(prefixes: [CacheKey(host: "shop.example", target: "/img/")]))
        let storedAfter = journal.next - 1
        let key = CacheKey(host: "shop.example", target: "/img/a.png")
        #expect(journal.covers(key, tags: [], storedEpoch: storedBefore))
        #expect(!journal.covers(key, tags: [], storedEpoch: storedAfter))
        #expect(!journal.covers(CacheKey(host: "shop.example", target: "/css/a.css"), tags: [], storedEpoch: storedBefore))
    }

    @Test("the journal reads back what it wrote: URLs, prefixes, tags with odd characters, everything")
    func roundTrip() {
        var journal = PurgeJournal()
        var text = journal.record(PurgeSelection(keys: [CacheKey(host: "a.example", target: "/x?y=1")], tags: ["tab\there", "100%"]))
        text += journal.record(PurgeSelection(all: true))
        let read = PurgeJournal.parse(text)
        #expect(read.ruleCount == journal.ruleCount)
        #expect(read.next == journal.next)
        #expect(read.covers(CacheKey(host: "z.example", target: "/"), tags: [], storedEpoch: 1))
        #expect(read.covers(CacheKey(host: "q.example", target: "/"), tags: ["tab\there"], storedEpoch: 0))
    }

    @Test("a torn last line (a crash mid-append) is ignored; the lines before it hold")
    func tornLine() {
        var journal = PurgeJournal()
        let text = journal.record(PurgeSelection(tags: ["kept"])) + "2\ttag\tto"
        let read = PurgeJournal.parse(text)
        #expect(read.ruleCount == 1)
        #expect(read.covers(CacheKey(host: "h", target: "/"), tags: ["kept"], storedEpoch: 0))
        #expect(!read.covers(CacheKey(host: "h", target: "/"), tags: ["to"], storedEpoch: 0))
        #expect(read.next == 2)
    }

    @Test("compaction keeps one line per URL, tag and prefix, drops what a purge of everything made moot, and keeps the numbering")
    func compaction() {
        var journal = PurgeJournal()
        var text = ""
        let old = CacheKey(host: "h", target: "/old")
        text += journal.record(PurgeSelection(keys: [old]))
        text += journal.record(PurgeSelection(all: true))
        let stampedAfterAll = journal.next - 1
        for _ in 0..<50 { text += journal.record(PurgeSelection(tags: ["t"])) }
        text += journal.record(PurgeSelection(prefixes: [CacheKey(host: "h", target: "/p/")]))
        let stampedLast = journal.next - 1
        var read = PurgeJournal.parse(text)
        #expect(read.lines == 53)
        let compacted = read.compacted()
        #expect(compacted.split(separator: "\n").count == 4, "all, tag, prefix and the numbering mark: \(compacted)")
        let again = PurgeJournal.parse(compacted)
        #expect(again.next == journal.next)
        for storedEpoch in [0, stampedAfterAll, stampedLast] {
            for (key, tags) in [(old, [String]()), (CacheKey(host: "h", target: "/x"), ["t"]), (CacheKey(host: "h", target: "/p/1"), [])] {
                #expect(again.covers(key, tags: tags, storedEpoch: storedEpoch) == journal.covers(key, tags: tags, storedEpoch: storedEpoch))
            }
        }
        #expect(!again.covers(CacheKey(host: "h", target: "/x"), tags: ["t"], storedEpoch: stampedLast))
    }
}
