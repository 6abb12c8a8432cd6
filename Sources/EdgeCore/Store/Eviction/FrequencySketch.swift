/// Approximate access counts for TinyLFU: a count-min sketch of four rows of 4-bit counters
/// that halves every counter after a sample period, so old popularity fades.
@usableFromInline
struct FrequencySketch: Sendable {
    @usableFromInline var counters: [UInt8]
    @usableFromInline var mask: Int
    @usableFromInline var additions = 0
    @usableFromInline var samplePeriod: Int

    /// - Parameter width: counters per row; rounded up to a power of two.
    @inlinable
    init(width: Int) {
        var size = 16
        while size < width { size <<= 1 }
        counters = [UInt8](repeating: 0, count: size * 4)
        mask = size - 1
        samplePeriod = size * 10
    }

    @inlinable
    var width: Int { mask + 1 }

    @inlinable
    func index(_ hash: Int, row: Int) -> Int {
        // Each row re-mixes the hash with its own odd constant so rows collide independently.
        let seeds: (UInt64, UInt64, UInt64, UInt64) = (0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x27D4_EB2F_1656_67C5)
        let seed = row == 0 ? seeds.0 : row == 1 ? seeds.1 : row == 2 ? seeds.2 : seeds.3
        var mixed = UInt64(bitPattern: Int64(hash)) &* seed
        mixed ^= mixed >> 32
        return row * width + Int(truncatingIfNeeded: mixed) & mask
    }

    @inlinable
    func frequency(_ hash: Int) -> UInt8 {
        var minimum: UInt8 = 15
        for row in 0..<4 { minimum = min(minimum, counters[index(hash, row: row)]) }
        return minimum
    }

    @inlinable
    mutating func increment(_ hash: Int) {
        var added = false
        for row in 0..<4 {
            let slot = index(hash, row: row)
            if counters[slot] < 15 {
                counters[slot] += 1
                added = true
            }
        }
        if added {
            additions += 1
            if additions >= samplePeriod { age() }
        }
    }

    @usableFromInline
    mutating func age() {
        for slot in counters.indices { counters[slot] >>= 1 }
        additions /= 2
    }
}
