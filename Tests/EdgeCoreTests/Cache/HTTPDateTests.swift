import Testing

@testable import EdgeCore

@Suite("HTTP dates")
struct HTTPDateTests {
    // Sun, 06 Nov 1994 08:49:37 GMT
    let reference: EpochSeconds = 784_111_777

    @Test("the three RFC 9110 forms parse to the same instant")
    func threeForms() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == reference)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == reference)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == reference)
    }

    @Test("names are matched case-insensitively, as RFC 9111 asks of caches")
    func caseInsensitive() {
        #expect(HTTPDate.parse("SUN, 06 NOV 1994 08:49:37 gmt") == reference)
        #expect(HTTPDate.parse("SUNDAY, 06-nov-94 08:49:37 GMT") == reference)
        #expect(HTTPDate.parse("sun nov  6 08:49:37 1994") == reference)
    }

    @Test("near-misses of the grammar are not dates")
    func nearMissesRejected() {
        for value in [
            "Sun, 06 Nov 1994 08:49:37 UTC",  // zone other than GMT
            "Sun, 06 Nov 1994 08:49:37 AEST",
            "Sun 06 Nov 1994 08:49:37 GMT",  // missing comma
            "Sun,  06  Nov  1994 08:49:37 GMT",  // doubled spaces
            "Sun, 06-Nov-1994 08:49:37 GMT",  // dashes in an IMF-fixdate
            "Sun, 06 Nov 1994 08.49.37 GMT",  // periods in the time
            "Sun, 06 Nov 1994 8:49:37 GMT",  // one-digit hour
            "Sun, 06 Nov 94 08:49:37 GMT",  // two-digit year in an IMF-fixdate
            "Sun, 6 Nov 1994 08:49:37 GMT",  // one-digit day in an IMF-fixdate
            "Sun, 06-Nov-94 08:49:37 GMT",  // RFC 850 form needs the full day name
            "Sun Nov 6 08:49:37 1994",  // asctime pads a one-digit day with a space
        ] {
            #expect(HTTPDate.parse(value) == nil, "\(value)")
        }
    }

    @Test("surrounding whitespace is ignored")
    func surroundingWhitespace() {
        #expect(HTTPDate.parse("  Sun, 06 Nov 1994 08:49:37 GMT\t") == reference)
    }

    @Test("invalid dates are nil")
    func invalid() {
        for value in ["0", "-1", "", "yesterday", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 GMT", "Mon, 29 Feb 2021 00:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra", "1994-11-06T08:49:37Z", " \t ", "Sun, 06 Nov 1994 08:49:37 GM",
            "Sun, 06 Nov 1994 08:49:3", "Sun, 06 N\u{F6}v 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 \u{212A}MT"]
        {
            #expect(HTTPDate.parse(value) == nil, "\(value)")
        }
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT") != nil)
    }

    @Test("format produces IMF-fixdate")
    func format() {
        #expect(HTTPDate.format(reference) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(reference + 0.9) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test("format and parse round-trip over a wide range")
    func roundTrip() {
        var time: EpochSeconds = -2_000_000_000
        while time < 4_000_000_000 {
            #expect(HTTPDate.parse(HTTPDate.format(time)) == time)
            time += 86_399 * 37 + 13
        }
    }
}
