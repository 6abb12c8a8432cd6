// Writes N valid disk-tier records straight into a cache directory, as the node would have left them,
// for measuring a restart on a large cache (Benchmarks/disk-restart.sh).
//
//   swift build -c release --product DiskFill && .build/release/DiskFill DIR COUNT [HOST]
//
// Record i is `HOST/o/i`, a 1 KiB body with `Cache-Control: max-age=86400`, stored now.
import EdgeCore
import EdgeServer
import Foundation
import NIOCore
import NIOHTTP1

let arguments = CommandLine.arguments
guard arguments.count >= 3, let count = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: DiskFill DIR COUNT [HOST]\n".utf8))
    exit(2)
}
let files = DiskFiles(root: arguments[1])
let host = arguments.count > 3 ? arguments[3] : "bench.test"
try files.prepare()
let now = Date().timeIntervalSince1970
let body = ByteBuffer(repeating: UInt8(ascii: "d"), count: 1024)
let headers = HTTPHeaders([
    ("content-type", "application/octet-stream"), ("cache-control", "max-age=86400"),
    ("date", HTTPDate.format(now)), ("content-length", "1024"),
])
let timing = StoredResponseTiming(requestTime: now, responseTime: now)
let vary = SecondaryKey(varyNames: [], values: [])
let started = Date()
for i in 0..<count {
    let key = "\(host)/o/\(i)"
    let record = DiskRecord(key: key, response: CachedResponse(status: 200, headers: headers, body: body, timing: timing, secondaryKey: vary), storedEpoch: 0)
    try files.write(record.encoded(), hash: DiskFiles.hash(key))
    if i > 0, i % 100_000 == 0 { print("\(i) records") }
}
print("\(count) records written in \(Int(Date().timeIntervalSince(started))) s")
