import Testing

@testable import EdgeCore

@Suite("What an attempt says about its server")
struct PassiveEvidenceTests {
    func evidence(_ outcome: PassiveEvidence.Outcome, body: PassiveEvidence.RequestBody = .none, failStatus: Set<Int> = []) -> PassiveEvidence {
        PassiveEvidence.of(outcome, body: body, failStatus: failStatus, detail: "why")
    }

    @Test("any status is a healthy answer unless fail_status lists it")
    func statuses() {
        for status in [200, 404, 500, 502, 503, 504] {
            #expect(evidence(.response(status: status)) == .healthy)
        }
        #expect(evidence(.response(status: 503), failStatus: [502, 503, 504]) == .unhealthy("why"))
        #expect(evidence(.response(status: 500), failStatus: [502, 503, 504]) == .healthy)
    }

    @Test("refused connections, malformed responses and broken responses count against the server")
    func serverFaults() {
        #expect(evidence(.connectFailed, body: .partial) == .unhealthy("why"))
        #expect(evidence(.malformedResponse) == .unhealthy("why"))
        #expect(evidence(.brokeMidResponse) == .unhealthy("why"))
    }

    @Test("a connection closed before the answer counts only when the request carried no body")
    func closedBeforeResponse() {
        #expect(evidence(.closedBeforeResponse) == .unhealthy("why"))
        #expect(evidence(.closedBeforeResponse, body: .complete) == .none)
        #expect(evidence(.closedBeforeResponse, body: .partial) == .none)
    }

    @Test("a first-byte timeout counts unless the client has not finished sending its body")
    func firstByteTimeout() {
        #expect(evidence(.firstByteTimeout) == .unhealthy("why"))
        #expect(evidence(.firstByteTimeout, body: .complete) == .unhealthy("why"))
        #expect(evidence(.firstByteTimeout, body: .partial) == .none)
    }

    @Test("an attempt that never reached the server says nothing")
    func notSent() {
        #expect(evidence(.notSent) == .none)
    }
}
