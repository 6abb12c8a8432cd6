import EdgeCore
import Foundation

/// An IMF-fixdate `offset` seconds from now (negative: in the past), for Date, Expires, Last-Modified.
func httpDate(offset: Double = 0) -> String {
    HTTPDate.format(Date().timeIntervalSince1970 + offset)
}
