import Testing

@testable import EdgeCore

@Suite("CDN-Loop (RFC 8586)")
struct CDNLoopTests {
    @Test("members are counted by their cdn-id, whatever their parameters, letter case and field lines")
    func counts() {
        let values = ["foo, edge-10.0.0.2; hops=1", "EDGE-10.0.0.2 , bar;x=\"a, edge-10.0.0.2\""]
        #expect(CDNLoop.occurrences(of: "edge-10.0.0.2", in: values) == 2)
        #expect(CDNLoop.occurrences(of: "bar", in: values) == 1)
        #expect(CDNLoop.occurrences(of: "edge-10.0.0.3", in: values) == 0)
        #expect(CDNLoop.occurrences(of: "edge", in: []) == 0)
    }

    @Test("a node appends its identifier after every earlier one and removes none")
    func appends() {
        #expect(CDNLoop.appending("edge-10.0.0.2", to: []) == "edge-10.0.0.2")
        #expect(CDNLoop.appending("edge-10.0.0.2", to: ["cdn-a; v=1", " edge-10.0.0.3 "]) == "cdn-a; v=1, edge-10.0.0.3, edge-10.0.0.2")
    }
}
