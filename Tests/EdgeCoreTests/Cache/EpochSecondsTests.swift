import Testing

@testable import EdgeCore

@Suite("delta-seconds")
struct EpochSecondsTests {
    @Test("digits parse, anything else does not")
    func parsing() {
        #expect(parseDeltaSeconds("0") == 0)
        #expect(parseDeltaSeconds("0042") == 42)
        for bad in ["", "-1", "+1", "1.0", " 1", "1 ", "1a", "0x10"] {
            #expect(parseDeltaSeconds(bad) == nil, "\(bad)")
        }
    }

    @Test("values past 2^31 saturate instead of overflowing")
    func saturation() {
        #expect(parseDeltaSeconds("2147483647") == 2_147_483_647)
        #expect(parseDeltaSeconds("2147483649") == 2_147_483_648)
        #expect(parseDeltaSeconds(String(repeating: "9", count: 40)) == 2_147_483_648)
    }
}
