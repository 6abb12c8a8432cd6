import EdgeCore

/// The disk tier on the same traces: byte hit ratio and bytes written when every miss is written
/// (`admission: false`) and when a full disk admits only what `DiskIndex.admits` lets in.
struct DiskReplay {
    var requests = 0
    var hitBytes = 0
    var requestedBytes = 0
    var writtenBytes = 0

    var byteHitRatio: Double { requestedBytes == 0 ? 0 : Double(hitBytes) / Double(requestedBytes) }

    /// Each request is a lookup; a miss is fetched and offered to the disk.
    static func run(trace: [Int32], sizes: [Int], capacity: Int, admission: Bool) -> DiskReplay {
        var index = DiskIndex(capacityBytes: capacity, typicalObjectBytes: max(1, sizes.reduce(0, +) / max(1, sizes.count)))
        var outcome = DiskReplay()
        for id in trace {
            let hash = UInt64(id) &* 0x9E37_79B9_7F4A_7C15 | 1
            let size = sizes[Int(id)]
            outcome.requests += 1
            outcome.requestedBytes += size
            index.recordAccess(hash)
            if index.noteHit(hash) {
                outcome.hitBytes += size
                continue
            }
            guard !admission || index.admits(hash, size: size) else { continue }
            _ = index.insert(hash, size: size)
            outcome.writtenBytes += size
        }
        return outcome
    }
}

/// `EvictionBenchmark disk`: the table for the disk tier's admission.
func runDiskAdmission(parameters: Parameters, sizes: [Int]) {
    print("Disk tier admission — DiskIndex on the same Zipf traces (requests=\(parameters.requests), objects=\(parameters.objects))")
    print("")
    print("| alpha | disk | byte hit ratio, write all | byte hit ratio, admission | bytes written, write all | bytes written, admission |")
    print("|------:|-----:|---------:|---------:|---------:|---------:|")
    for alpha in parameters.alphas {
        let (trace, workingSet) = zipfTrace(alpha: alpha, parameters: parameters, sizes: sizes)
        for fraction in parameters.cacheFractions {
            let capacity = Int(Double(workingSet) * fraction)
            let all = DiskReplay.run(trace: trace, sizes: sizes, capacity: capacity, admission: false)
            let admitted = DiskReplay.run(trace: trace, sizes: sizes, capacity: capacity, admission: true)
            print("| \(alpha) | \(percent(fraction)) | \(percent(all.byteHitRatio)) | \(percent(admitted.byteHitRatio)) | \(all.writtenBytes >> 20) MiB | \(admitted.writtenBytes >> 20) MiB |")
        }
    }
}
