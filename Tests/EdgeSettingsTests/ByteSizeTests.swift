import Testing
@testable import EdgeSettings

@Suite("ByteSize")
struct ByteSizeTests {
    @Test("binary, decimal and bare sizes parse to bytes", arguments: [
        ("256MiB", 268_435_456), ("16KiB", 16384), ("1GiB", 1_073_741_824), ("1TiB", 1_099_511_627_776),
        ("1KB", 1000), ("1MB", 1_000_000), ("1GB", 1_000_000_000), ("512B", 512), ("0", 0),
        ("4096", 4096), ("8 mib", 8_388_608),
    ])
    func parses(text: String, bytes: Int) {
        #expect(ByteSize(parsing: text)?.bytes == bytes)
    }

    @Test("text that is not a size is refused", arguments: ["lots", "", "MiB", "1.5GiB", "-1MiB", "10XB", "99999999999TiB"])
    func refuses(text: String) {
        #expect(ByteSize(parsing: text) == nil)
    }

    @Test("description is the shortest exact spelling and parses back", arguments: [
        0, 1, 1000, 1024, 1500, 268_435_456, 1_000_000_000, 3 * 1_073_741_824,
    ])
    func describes(bytes: Int) {
        let size = ByteSize(bytes: bytes)
        #expect(ByteSize(parsing: size.description) == size)
    }

    @Test("description picks binary units first")
    func descriptionUnits() {
        #expect(ByteSize.mebibytes(256).description == "256MiB")
        #expect(ByteSize(bytes: 1_000_000).description == "1MB")
        #expect(ByteSize(bytes: 1500).description == "1500B")
    }
}
