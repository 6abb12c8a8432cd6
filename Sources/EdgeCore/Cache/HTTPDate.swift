/// HTTP dates (RFC 9110 §5.6.7) without `DateFormatter`.
///
/// `parse` accepts exactly the three forms of the grammar: IMF-fixdate, the obsolete RFC 850 form
/// and asctime. Names are matched case-insensitively, as RFC 9111 §4.2 asks of a cache; anything
/// else (`UTC`, a missing comma, doubled spaces, dashes in an IMF-fixdate, one-digit hours, `0`)
/// is not a date. RFC 9111 §5.3 makes an invalid Expires mean "already expired", so accepting
/// near-misses would keep responses fresh that the origin meant to be stale.
public enum HTTPDate {
    private static let months = NameTable(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays = NameTable(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let fullWeekdays = NameTable(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])

    /// Parses an HTTP date; nil if it is not one. Surrounding spaces and tabs are ignored.
    public static func parse(_ value: String) -> EpochSeconds? {
        // Every stored response's Date (and often Expires, Last-Modified) goes through here on a
        // miss: the bytes are scanned where they lie, with no lowercased copy or arrays made.
        var value = value
        return value.withUTF8 { parse(utf8: $0) }
    }

    private static func parse(utf8: UnsafeBufferPointer<UInt8>) -> EpochSeconds? {
        var start = 0
        var end = utf8.count
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        while end > start, utf8[end - 1] == 0x20 || utf8[end - 1] == 0x09 { end -= 1 }
        var scanner = DateScanner(bytes: UnsafeBufferPointer(rebasing: utf8[start..<end]))
        if let date = scanner.imfFixdate() { return date }
        scanner.reset()
        if let date = scanner.rfc850Date() { return date }
        scanner.reset()
        return scanner.asctimeDate()
    }

    /// Names in lowercase, tried longest first so that none is taken for a prefix of a longer one;
    /// the order is worked out once.
    private struct NameTable: Sendable {
        let longestFirst: [(position: Int, bytes: [UInt8])]

        init(_ names: [String]) {
            longestFirst = names.enumerated().map { (position: $0.offset, bytes: Array($0.element.utf8)) }
                .sorted { $0.bytes.count > $1.bytes.count }
        }
    }

    /// A cursor over one candidate date, comparing ASCII letters case-insensitively (RFC 9111 §4.2).
    private struct DateScanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func reset() { index = 0 }

        var atEnd: Bool { index == bytes.count }

        /// Whether the lowercase ASCII `expected` comes next (in any case); consumed if so.
        private mutating func matches(_ expected: UnsafeBufferPointer<UInt8>) -> Bool {
            guard index + expected.count <= bytes.count else { return false }
            for offset in 0..<expected.count {
                var byte = bytes[index + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                guard byte == expected[offset] else { return false }
            }
            index += expected.count
            return true
        }

        mutating func literal(_ text: StaticString) -> Bool {
            text.withUTF8Buffer { matches($0) }
        }

        /// One of `names` (the longest that matches), as its index.
        mutating func name(_ names: NameTable) -> Int? {
            for (position, candidate) in names.longestFirst where candidate.withUnsafeBufferPointer({ matches($0) }) {
                return position
            }
            return nil
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// time-of-day = hour ":" minute ":" second, two digits each.
        mutating func timeOfDay() -> (Int, Int, Int)? {
            guard let hour = digits(2), literal(":"), let minute = digits(2), literal(":"), let second = digits(2) else {
                return nil
            }
            return (hour, minute, second)
        }

        /// `Sun, 06 Nov 1994 08:49:37 GMT`
        mutating func imfFixdate() -> EpochSeconds? {
            guard name(HTTPDate.weekdays) != nil, literal(", "), let day = digits(2), literal(" "),
                let month = name(HTTPDate.months), literal(" "), let year = digits(4), literal(" "),
                let time = timeOfDay(), literal(" gmt"), atEnd
            else { return nil }
            return HTTPDate.epoch(year: year, month: month + 1, day: day, time: time)
        }

        /// `Sunday, 06-Nov-94 08:49:37 GMT`. A two-digit year below 70 is taken as 20xx: RFC 9110
        /// reads a year more than 50 years ahead as the past century, and policy code has no clock.
        mutating func rfc850Date() -> EpochSeconds? {
            guard name(HTTPDate.fullWeekdays) != nil, literal(", "), let day = digits(2), literal("-"),
                let month = name(HTTPDate.months), literal("-"), let shortYear = digits(2), literal(" "),
                let time = timeOfDay(), literal(" gmt"), atEnd
            else { return nil }
            let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
            return HTTPDate.epoch(year: year, month: month + 1, day: day, time: time)
        }

        /// `Sun Nov  6 08:49:37 1994` (the day is two digits, or a space and one digit).
        mutating func asctimeDate() -> EpochSeconds? {
            guard name(HTTPDate.weekdays) != nil, literal(" "), let month = name(HTTPDate.months), literal(" ") else {
                return nil
            }
            let day: Int
            if literal(" ") {
                guard let single = digits(1) else { return nil }
                day = single
            } else {
                guard let double = digits(2) else { return nil }
                day = double
            }
            guard literal(" "), let time = timeOfDay(), literal(" "), let year = digits(4), atEnd else { return nil }
            return HTTPDate.epoch(year: year, month: month + 1, day: day, time: time)
        }
    }

    /// Seconds since the epoch, or nil for an impossible calendar date or time. A leap second
    /// (`:60`) is read as `:59`.
    private static func epoch(year: Int, month: Int, day: Int, time: (Int, Int, Int)) -> EpochSeconds? {
        let (hour, minute, second) = time
        guard (1...31).contains(day), day <= daysInMonth(month, year: year), hour < 24, minute < 60, second <= 60 else {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return EpochSeconds(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59))
    }

    /// Formats as IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. Fractions are truncated.
    public static func format(_ time: EpochSeconds) -> String {
        let whole = time.isFinite ? Int(time.rounded(.down)) : 0
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondsOfDay = whole - days * 86_400
        let (year, month, day) = civilFromDays(days)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        var out = weekdayNames[weekday]
        out += ", " + twoDigits(day) + " " + monthNames[month - 1] + " " + fourDigits(year) + " "
        out += twoDigits(secondsOfDay / 3600) + ":" + twoDigits(secondsOfDay / 60 % 60) + ":"
        out += twoDigits(secondsOfDay % 60) + " GMT"
        return out
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }

    private static func fourDigits(_ value: Int) -> String {
        let text = String(value)
        return text.count >= 4 ? text : String(repeating: "0", count: 4 - text.count) + text
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
