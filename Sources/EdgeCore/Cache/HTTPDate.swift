/// HTTP dates (RFC 9110 §5.6.7) without `DateFormatter`.
///
/// `parse` accepts IMF-fixdate, the obsolete RFC 850 and asctime forms, and the usual sloppiness
/// seen in the wild (any letter case, `UTC`, missing comma, extra spaces, dashes, one-digit hours).
/// Anything else, e.g. `Expires: 0`, is nil; for Expires, callers treat nil as "already expired".
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    private static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let fullWeekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    private static let fullMonths = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]

    /// Parses an HTTP date; nil if it is not one.
    public static func parse(_ value: String) -> EpochSeconds? {
        let tokens = value.split { $0 == " " || $0 == "\t" || $0 == "," || $0 == "-" }
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var weekdaySeen = false
        var zoneSeen = false
        for token in tokens {
            let lower = token.lowercased()
            if lower.contains(":") || lower.contains(".") {
                guard time == nil, let parsed = parseTime(lower) else { return nil }
                time = parsed
            } else if lower.allSatisfy({ $0.isASCII && $0.isNumber }) {
                guard let number = Int(lower) else { return nil }
                if day == nil, lower.count <= 2, year == nil || month != nil {
                    day = number
                } else if year == nil, lower.count == 4 || lower.count == 2 {
                    year = lower.count == 2 ? (number < 70 ? 2000 + number : 1900 + number) : number
                } else {
                    return nil
                }
            } else if let index = months.firstIndex(of: lower) ?? fullMonths.firstIndex(of: lower) {
                guard month == nil else { return nil }
                month = index + 1
            } else if weekdays.contains(lower) || fullWeekdays.contains(lower) {
                guard !weekdaySeen, day == nil, month == nil else { return nil }
                weekdaySeen = true
            } else if lower == "gmt" || lower == "utc" || lower == "ut" || lower == "z" {
                guard !zoneSeen, time != nil else { return nil }
                zoneSeen = true
            } else {
                return nil
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time else { return nil }
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

    private static func parseTime(_ text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: text.contains(":") ? ":" : ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var values: [Int] = []
        for part in parts {
            guard (1...2).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part) else {
                return nil
            }
            values.append(value)
        }
        return (values[0], values[1], values[2])
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
