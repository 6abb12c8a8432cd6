import Testing

@testable import EdgeCore

@Suite("EntityTag")
struct EntityTagTests {
    @Test("a strong tag parses without quotes in opaque and prints back exactly")
    func strongRoundTrip() throws {
        let tag = try #require(EntityTag("\"xyzzy\""))
        #expect(!tag.isWeak)
        #expect(tag.opaque == "xyzzy")
        #expect(tag.description == "\"xyzzy\"")
    }

    @Test("a weak tag parses and prints back exactly")
    func weakRoundTrip() throws {
        let tag = try #require(EntityTag("W/\"r2d2\""))
        #expect(tag.isWeak)
        #expect(tag.opaque == "r2d2")
        #expect(tag.description == "W/\"r2d2\"")
    }

    @Test("surrounding whitespace is allowed, and the empty tag is valid")
    func whitespaceAndEmpty() {
        #expect(EntityTag("  \"a\"\t") == EntityTag(opaque: "a"))
        #expect(EntityTag("\"\"")?.opaque == "")
    }

    @Test("invalid entity-tags are rejected", arguments: [
        "xyzzy", "\"abc", "abc\"", "w/\"abc\"", "W/abc", "\"a\"b\"", "\"a b\"", "\"a\" \"b\"", "", "*", "W/ \"a\"",
    ])
    func invalid(_ value: String) {
        #expect(EntityTag(value) == nil)
    }

    @Test("obs-text and commas inside a tag are kept")
    func unusualCharacters() {
        #expect(EntityTag("\"caf\u{e9},1\"")?.opaque == "caf\u{e9},1")
    }

    @Test("init(opaque:) refuses characters a tag cannot carry")
    func opaqueInit() {
        #expect(EntityTag(opaque: "a\"b") == nil)
        #expect(EntityTag(opaque: "a b") == nil)
        #expect(EntityTag(opaque: "v1", isWeak: true)?.description == "W/\"v1\"")
    }

    @Test("strong and weak comparison follow the RFC 9110 table")
    func comparisonTable() throws {
        let w1 = try #require(EntityTag("W/\"1\""))
        let w2 = try #require(EntityTag("W/\"2\""))
        let s1 = try #require(EntityTag("\"1\""))
        let s2 = try #require(EntityTag("\"2\""))
        // W/"1" vs W/"1": strong no, weak yes
        #expect(!w1.strongMatch(w1) && w1.weakMatch(w1))
        // W/"1" vs W/"2": neither
        #expect(!w1.strongMatch(w2) && !w1.weakMatch(w2))
        // W/"1" vs "1": strong no, weak yes
        #expect(!w1.strongMatch(s1) && w1.weakMatch(s1) && s1.weakMatch(w1))
        // "1" vs "1": both
        #expect(s1.strongMatch(s1) && s1.weakMatch(s1))
        #expect(!s1.strongMatch(s2) && !s1.weakMatch(s2))
    }

    @Test("a list parses in order, skipping empty members")
    func list() {
        let tags = EntityTag.parseList(" \"a\" ,W/\"b\",, \"c,d\" ,")
        #expect(tags?.map(\.description) == ["\"a\"", "W/\"b\"", "\"c,d\""])
        #expect(EntityTag.parseList("")?.isEmpty == true)
    }

    @Test("a list with any invalid member, or *, is nil")
    func invalidList() {
        #expect(EntityTag.parseList("\"a\", b") == nil)
        #expect(EntityTag.parseList("\"a\" \"b\"") == nil)
        #expect(EntityTag.parseList("*") == nil)
    }

    @Test("a condition is * or a list; * matches any existing representation")
    func condition() throws {
        let tag = try #require(EntityTag("\"x\""))
        #expect(EntityTagCondition(" * ") == .any)
        #expect(EntityTagCondition("*").map { $0.matches(nil, weak: false) } == true)
        #expect(EntityTagCondition("*").map { $0.matches(tag, representationExists: false, weak: true) } == false)
        #expect(EntityTagCondition("\"x\", *") == nil)
        let list = try #require(EntityTagCondition("W/\"x\", \"y\""))
        #expect(list.matches(tag, weak: true))
        #expect(!list.matches(tag, weak: false))
        #expect(!list.matches(nil, weak: true))
    }
}
