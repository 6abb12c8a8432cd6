import NIOCore
import Testing
@testable import EdgeSettings

@Suite("TimeSpan")
struct TimeSpanTests {
    @Test("durations with units and bare seconds parse", arguments: [
        ("10s", 10.0), ("250ms", 0.25), ("5m", 300.0), ("1h", 3600.0), ("1d", 86400.0), ("0s", 0.0),
        ("30", 30.0), ("1.5s", 1.5), ("100us", 0.0001),
    ])
    func parses(text: String, seconds: Double) {
        #expect(TimeSpan(parsing: text)?.seconds == seconds)
    }

    @Test("text that is not a duration is refused", arguments: ["soon", "", "s", "10 parsecs", "-5s", "1.s", "10S"])
    func refuses(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test("nanoseconds and timeAmount are exact")
    func exact() {
        let span = TimeSpan(parsing: "250ms")
        #expect(span?.nanoseconds == 250_000_000)
        #expect(span?.timeAmount == .milliseconds(250))
    }

    @Test("description is the largest exact unit and parses back")
    func describes() {
        #expect(TimeSpan.days(1).description == "1d")
        #expect(TimeSpan.seconds(90).description == "90s")
        #expect(TimeSpan.milliseconds(1500).description == "1500ms")
        #expect(TimeSpan.zero.description == "0s")
        for span in [TimeSpan.days(2), .seconds(7), .milliseconds(3), TimeSpan(nanoseconds: 17)] {
            #expect(TimeSpan(parsing: span.description) == span)
        }
    }
}
