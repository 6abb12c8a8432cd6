/// Content-hash names for enhancement assets: `/assets/app.js` with content hash 3f9a1c0b2d4e is
/// served as `/assets/app.3f9a1c0b2d4e.js`, which can then be cached for a year as `immutable`.
public enum AssetFingerprint {
    /// 48 bits of FNV-1a over the content, as 12 hex digits: enough to tell versions of one file apart.
    public static func hash<Bytes: Sequence>(_ content: Bytes) -> String where Bytes.Element == UInt8 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in content {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        let hex = String(value >> 16, radix: 16)
        return String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// `/assets/app.js` + hash → `/assets/app.<hash>.js`.
    public static func fingerprinted(_ path: String, hash: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path + "." + hash }
        return path[..<dot] + "." + hash + path[dot...]
    }
}
