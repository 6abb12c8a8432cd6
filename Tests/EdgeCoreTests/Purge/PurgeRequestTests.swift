import Testing
@testable import EdgeCore

@Suite("Purge request")
struct PurgeRequestTests {
    static func parse(_ text: String) throws(PurgeRequestError) -> PurgeRequest {
        try PurgeRequest.parse(Array(text.utf8))
    }

    @Test("a full request decodes, and its URLs become normalised cache keys")
    func decodes() throws {
        let request = try Self.parse(#"{"urls":["http://Shop.Example:80/a?x=1"],"prefixes":["https://shop.example/img/"],"tags":["t1"],"all":false,"soft":true}"#)
        #expect(request == PurgeRequest(urls: ["http://Shop.Example:80/a?x=1"], prefixes: ["https://shop.example/img/"], tags: ["t1"], soft: true))
        let selection = try request.selection { $0 == "shop.example" }
        #expect(selection.keys == [CacheKey(host: "shop.example", target: "/a?x=1")])
        #expect(selection.prefixes == [CacheKey(host: "shop.example", target: "/img/")])
        #expect(selection.soft)
    }

    @Test("errors name the field: unknown fields, wrong types, bad URLs, hosts not served", arguments: [
        (#"{"url":["http://a/"]}"#, "url"),
        (#"{"all":1}"#, "all"),
        (#"{"urls":"http://a/"}"#, "urls"),
        (#"{"urls":[1]}"#, "urls[0]"),
        (#"{"urls":["/relative"]}"#, "urls[0]"),
        (#"{"prefixes":["http://other.example/"]}"#, "prefixes[0]"),
        (#"{"tags":["two words"]}"#, "tags[0]"),
    ])
    func errorsNameTheField(body: String, field: String) {
        do {
            _ = try Self.parse(body).selection { $0 == "a" }
            Issue.record("\(body) was accepted")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test("malformed JSON and an empty purge are refused")
    func malformed() {
        #expect(throws: PurgeRequestError.self) { try Self.parse("{urls:") }
        #expect(throws: PurgeRequestError.self) { try Self.parse("[]") }
        #expect(throws: PurgeRequestError.self) { try Self.parse("{}").selection { _ in true } }
    }
}

@Suite("Address allow list")
struct AddressAllowListTests {
    @Test("addresses and CIDR blocks match, IPv4-mapped IPv6 as IPv4")
    func matches() {
        let list = AddressAllowList(["127.0.0.1", "::1", "10.1.0.0/16"])
        #expect(list.allows("127.0.0.1"))
        #expect(list.allows("::1"))
        #expect(list.allows("::ffff:127.0.0.1"))
        #expect(list.allows("10.1.200.3"))
        #expect(!list.allows("10.2.0.1"))
        #expect(!list.allows("192.168.0.1"))
        #expect(!list.allows("-"))
        #expect(AddressAllowList.Entry("10.0.0.0/33") == nil)
        #expect(AddressAllowList.Entry("host.example") == nil)
    }
}
