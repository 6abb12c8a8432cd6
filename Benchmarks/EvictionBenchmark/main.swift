// Compares eviction policies of EdgeCore.MemoryStore on synthetic Zipf traces and times get() hits.
// Run: swift run -c release EvictionBenchmark            (memory store policies)
//      swift run -c release EvictionBenchmark disk       (the disk tier's admission)
import EdgeCore
import Foundation

/// SplitMix64: tiny, fast, deterministic; good enough to drive a workload generator.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Samples ranks 0..<n with P(rank k) ∝ 1 / (k + 1)^alpha by binary search over the CDF.
struct ZipfSampler {
    private let cdf: [Double]
    init(objects: Int, alpha: Double) {
        var cdf = [Double](repeating: 0, count: objects)
        var sum = 0.0
        for rank in 0..<objects {
            sum += 1 / pow(Double(rank + 1), alpha)
            cdf[rank] = sum
        }
        self.cdf = cdf.map { $0 / sum }
    }
    func sample(_ rng: inout SplitMix64) -> Int {
        let u = rng.nextUnit()
        var low = 0
        var high = cdf.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cdf[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

struct CachedObject: StoreCost, Sendable {
    let storeCost: Int
}

struct Parameters {
    let requests = 1_000_000
    let objects = 100_000
    let alphas = [0.8, 1.0]
    let cacheFractions = [0.01, 0.05, 0.10]
    let shardCounts = [1, 16]
    let seed: UInt64 = 0xED6E
    let timedGets = 2_000_000
}

/// Object sizes: log-uniform between 1 KiB and 256 KiB, skewed toward small by squaring the
/// exponent's uniform draw (median ≈ 4 KiB, mean ≈ 29 KiB). Sizes are independent of popularity.
func objectSizes(count: Int, rng: inout SplitMix64) -> [Int] {
    (0..<count).map { _ in
        let u = rng.nextUnit()
        return Int(1024 * pow(256, u * u))
    }
}

struct Outcome {
    var hits = 0
    var hitBytes = 0
    var requestBytes = 0
    var requests = 0
    var objectHitRatio: Double { Double(hits) / Double(requests) }
    var byteHitRatio: Double { Double(hitBytes) / Double(requestBytes) }
}

func replay(trace: [Int32], sizes: [Int], capacity: Int, shards: Int, policy: EvictionPolicyKind) -> Outcome {
    let store = MemoryStore<Int, CachedObject>(capacityBytes: capacity, maxObjectBytes: capacity / shards, shards: shards, policy: policy)
    var outcome = Outcome()
    for id in trace {
        let key = Int(id)
        let size = sizes[key]
        outcome.requests += 1
        outcome.requestBytes += size
        if store.get(key) != nil {
            outcome.hits += 1
            outcome.hitBytes += size
        } else {
            store.set(key, CachedObject(storeCost: size))
        }
    }
    return outcome
}

/// Nanoseconds per get() on keys that are all present.
func timeHits(policy: EvictionPolicyKind, shards: Int, gets: Int) -> Double {
    let keys = 10_000
    let store = MemoryStore<Int, CachedObject>(capacityBytes: keys * 2048, maxObjectBytes: 1 << 20, shards: shards, policy: policy)
    for key in 0..<keys { store.set(key, CachedObject(storeCost: 1024)) }
    var rng = SplitMix64(seed: 99)
    let lookups = (0..<gets).map { _ in Int(rng.next() % UInt64(keys)) }
    var found = 0
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for key in lookups where store.get(key) != nil { found += 1 }
    }
    precondition(found == gets, "timing run expected only hits")
    let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return nanos / Double(gets)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }

let parameters = Parameters()

/// The trace for `alpha` (object ids), and the bytes of the distinct objects it asks for.
func zipfTrace(alpha: Double, parameters: Parameters, sizes: [Int]) -> (trace: [Int32], workingSet: Int) {
    let zipf = ZipfSampler(objects: parameters.objects, alpha: alpha)
    var traceRNG = SplitMix64(seed: parameters.seed ^ UInt64(alpha * 1000))
    let trace = (0..<parameters.requests).map { _ in Int32(zipf.sample(&traceRNG)) }
    var seen = Set<Int32>()
    var workingSet = 0
    for id in trace where seen.insert(id).inserted { workingSet += sizes[Int(id)] }
    return (trace, workingSet)
}

// `EvictionBenchmark hits <n>` only runs the get() timing with n lookups; running it under
// `valgrind` with two values of n shows whether a hit allocates (the alloc counts must match).
let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "hits", let gets = Int(arguments[2]) {
    for policy in EvictionPolicyKind.allCases {
        _ = timeHits(policy: policy, shards: 16, gets: gets)
    }
    exit(0)
}
var rng = SplitMix64(seed: parameters.seed)
let sizes = objectSizes(count: parameters.objects, rng: &rng)
let started = ContinuousClock.now
// `EvictionBenchmark disk`: the disk tier's admission instead (DiskAdmission.swift).
if arguments.count == 2, arguments[1] == "disk" {
    runDiskAdmission(parameters: parameters, sizes: sizes)
    exit(0)
}

print("Eviction benchmark — MemoryStore<Int, CachedObject>")
print("requests=\(parameters.requests) objects=\(parameters.objects) alphas=\(parameters.alphas) seed=\(parameters.seed)")
print("sizes: 1 KiB–256 KiB log-uniform, squared exponent (median \(sizes.sorted()[sizes.count / 2]) B, mean \(sizes.reduce(0, +) / sizes.count) B)")
print("cache sizes: \(parameters.cacheFractions.map { percent($0) }) of the trace's working set in bytes; maxObjectBytes = capacity / shards")
print("")
print("| alpha | cache | shards | policy | object hit ratio | byte hit ratio |")
print("|------:|------:|-------:|:-------|-----------------:|---------------:|")

var wins: [EvictionPolicyKind: Int] = [:]
var objectRatioSum: [EvictionPolicyKind: Double] = [:]
var byteRatioSum: [EvictionPolicyKind: Double] = [:]

for alpha in parameters.alphas {
    let (trace, workingSet) = zipfTrace(alpha: alpha, parameters: parameters, sizes: sizes)
    for fraction in parameters.cacheFractions {
        let capacity = Int(Double(workingSet) * fraction)
        for shards in parameters.shardCounts {
            var best: (EvictionPolicyKind, Double)?
            for policy in EvictionPolicyKind.allCases {
                let outcome = replay(trace: trace, sizes: sizes, capacity: capacity, shards: shards, policy: policy)
                print("| \(alpha) | \(pad(percent(fraction), 6)) | \(shards) | \(pad(policy.rawValue, 6)) | \(percent(outcome.objectHitRatio)) | \(percent(outcome.byteHitRatio)) |")
                objectRatioSum[policy, default: 0] += outcome.objectHitRatio
                byteRatioSum[policy, default: 0] += outcome.byteHitRatio
                if best == nil || outcome.objectHitRatio > (best?.1 ?? 0) { best = (policy, outcome.objectHitRatio) }
            }
            if let winner = best?.0 { wins[winner, default: 0] += 1 }
        }
    }
}

print("")
print("| policy | shards | get() hit ns/op |")
print("|:-------|-------:|----------------:|")
for policy in EvictionPolicyKind.allCases {
    for shards in parameters.shardCounts {
        let nanos = timeHits(policy: policy, shards: shards, gets: parameters.timedGets)
        print("| \(pad(policy.rawValue, 6)) | \(shards) | \(String(format: "%.1f", nanos)) |")
    }
}

let configurations = parameters.alphas.count * parameters.cacheFractions.count * parameters.shardCounts.count
print("")
for policy in EvictionPolicyKind.allCases {
    let mean = (objectRatioSum[policy] ?? 0) / Double(configurations)
    let byteMean = (byteRatioSum[policy] ?? 0) / Double(configurations)
    print("\(policy.rawValue): best object hit ratio in \(wins[policy] ?? 0)/\(configurations) configurations, mean object hit ratio \(percent(mean)), mean byte hit ratio \(percent(byteMean))")
}
let chosen = EvictionPolicyKind.allCases.max { (objectRatioSum[$0] ?? 0) < (objectRatioSum[$1] ?? 0) } ?? .s3fifo
print("default: \(chosen.rawValue) (highest mean object hit ratio)")
print("elapsed: \(ContinuousClock.now - started)")
