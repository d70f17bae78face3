// Test helper, run by StorageTests and killed with SIGKILL at a random moment.
//
//   storage-crash-child wal PATH   append records forever; after each append returns, print
//                                  the sequence numbers it acknowledged, one per line
//   storage-crash-child lock DIR   take the writer lock of DIR, print "locked", sleep forever
//   storage-crash-child fill PATH LIMIT
//                                  cap file sizes at LIMIT bytes (RLIMIT_FSIZE) and append until
//                                  a write fails; print acks, the error, then try one tiny record
//
// Output goes straight to write(2): stdio buffering would hold acknowledgements back, and
// the test must see every ack that was made before the kill.
import Foundation
import Storage

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Must match `crashPayload` in the tests. Sizes vary; every 16th record spans many pages so
/// that a kill can land in the middle of its write and leave a torn tail.
func crashPayload(_ seq: Int) -> [UInt8] {
  let count = seq % 16 == 15 ? 300_000 : (seq &* 2_654_435_761) % 3000
  return (0..<count).map { UInt8(truncatingIfNeeded: seq &* 131 &+ $0 &* 7) }
}

func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  bytes.withUnsafeBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

func run(_ arguments: [String]) throws {
  guard arguments.count >= 3 else {
    throw StorageError.corrupt(
      path: "", reason: "usage: storage-crash-child wal PATH | lock DIR | fill PATH LIMIT")
  }
  switch arguments[1] {
  case "wal":
    let opened = try WriteAheadLog.open(path: arguments[2])
    guard let log = opened.log else { return }
    var seq = opened.records.count
    while true {
      let batch = seq % 5 == 4 ? 3 : 1  // exercise appendBatch as well
      try log.appendBatch((seq..<(seq + batch)).map(crashPayload))
      for acknowledged in seq..<(seq + batch) { say(String(acknowledged)) }
      seq += batch
    }
  case "lock":
    let lock = try StoreLock.acquireWriter(directory: arguments[2])
    say("locked")
    withExtendedLifetime(lock) { while true { sleep(60) } }
  case "fill":
    // A write crossing the limit is cut short and the next one fails with EFBIG, the same
    // shape of failure as ENOSPC; SIGXFSZ must be ignored so the error is reported instead.
    signal(SIGXFSZ, SIG_IGN)
    // rlim_t.max is RLIM_INFINITY, which Swift cannot import as a constant.
    var limit = rlimit(rlim_cur: rlim_t(arguments[3]) ?? 0, rlim_max: rlim_t.max)
    #if canImport(Glibc)
      let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
    #else
      let resource = RLIMIT_FSIZE
    #endif
    guard setrlimit(resource, &limit) == 0 else { exit(2) }
    guard let log = try WriteAheadLog.open(path: arguments[2]).log else { return }
    var seq = 0
    do {
      while true {
        try log.append(crashPayload(seq))
        say(String(seq))
        seq += 1
      }
    } catch {
      say("error: \(error)")
    }
    try log.append([0xAB, 0xCD])
    say("recovered")
  default:
    throw StorageError.corrupt(path: "", reason: "unknown mode \(arguments[1])")
  }
}

do {
  try run(CommandLine.arguments)
} catch {
  FileHandle.standardError.write(Data("storage-crash-child: \(error)\n".utf8))
  exit(1)
}
