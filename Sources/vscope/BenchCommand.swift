import ANN
import ArgumentParser
import Dispatch
import Engine
import Foundation
import Model

/// `vscope bench`: builds one index over an ann-benchmarks-style data set and sweeps its search
/// knob, printing the columns of the team's peer script (`peers.py`) so the two read side by side.
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Benchmark an index on .fvecs/.ivecs data (recall@10, queries per second, build time, size).",
    discussion: """
      DATA holds base.fvecs, query.fvecs and gt_ip.ivecs / gt_l2.ivecs (100 exact neighbours per query),
      as ../shared/bench/make_data.py writes them. One line per search setting, tab-separated:
        engine  index  build_params  search_param  recall@10  qps  build_s  index_mb  qps_all_cores
      qps is one thread over the 1,000 queries (best of 3); qps_all_cores runs them on every core.
      Build it in release mode: swift run -c release vscope bench DATA --index HNSW
      Examples:
        vscope bench ~/.cache/vscope-bench/wordnet-100k --index HNSW --params M=16,efConstruction=200
        vscope bench DATA --index IVF_SQ8 --params nlist=1024
        vscope bench DATA --index FLAT --bandwidth
      """)

  @Argument(help: "Directory with base.fvecs, query.fvecs and the ground truth.") var data: String
  @Option(help: "FLAT, HNSW, IVF_FLAT, IVF_SQ8 or IVF_PQ.") var index = "HNSW"
  @Option(help: "Build parameters, e.g. M=16,efConstruction=200 or nlist=1024 (IVF_PQ: m defaults to dim/8).")
  var params: String?
  @Option(help: "ip (also right for COSINE on unit vectors) or l2.") var metric = "ip"
  @Option(help: "Search settings to sweep, e.g. 16,32,64 (default: ef 10…400 or nprobe 1…128).") var sweep: String?
  @Option(help: "Threads for the build (1 compares with the peers' single-threaded builds).") var buildThreads = 1
  @Flag(help: "Also measure the machine's memory read bandwidth and FLAT's share of it.") var bandwidth = false

  func run() async throws {
    let base = try VecsFile.read(data + "/base.fvecs")
    let queries = try VecsFile.read(data + "/query.fvecs")
    let truthFile = try VecsFile.read(data + "/gt_\(metric.lowercased()).ivecs", integers: true)
    guard base.dim == queries.dim else { throw UserError("base has dim \(base.dim), queries \(queries.dim)") }
    let indexMetric: IndexMetric
    switch metric.lowercased() {
    case "ip", "cosine": indexMetric = .innerProduct
    case "l2": indexMetric = .l2
    default: throw UserError("unknown metric \(metric): use ip or l2")
    }
    let vectors = VectorRows(base.values, dim: base.dim)
    let truth = (0..<queries.count).map { row in
      (0..<10).map { Int32(truthFile.integers[row * truthFile.dim + $0]) }
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    Console.info("# \(base.count) x \(base.dim), \(queries.count) queries, metric \(metric), cores \(cores)")
    print("engine\tindex\tbuild_params\tsearch_param\trecall@10\tqps\tbuild_s\tindex_mb\tqps_all_cores")
    let parameters = try Arguments.parameters(params ?? "")
    func intParam(_ name: String, _ fallback: Int) throws -> Int {
      guard let value = parameters[name] else { return fallback }
      guard case .int(let number) = value else { throw UserError("\(name) must be an integer") }
      return Int(number)
    }

    let type = index.uppercased()
    let started = ContinuousClock.now
    let built: any VectorIndex
    let buildParams: String
    let knobName: String
    var knobs: [Int]
    switch type {
    case "FLAT":
      built = FlatIndex(vectors: vectors, metric: indexMetric)
      buildParams = ""
      knobName = "exact"
      knobs = [0]
    case "HNSW":
      let m = try intParam("M", 16)
      let efConstruction = try intParam("efConstruction", 200)
      built = try HNSWIndex.build(
        vectors: vectors, metric: indexMetric, M: m, efConstruction: efConstruction, threads: buildThreads)
      buildParams = "M=\(m),efConstruction=\(efConstruction)"
      knobName = "ef"
      knobs = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 400]
    case "IVF_FLAT", "IVF_SQ8", "IVF_PQ":
      let nlist = try intParam("nlist", 1024)
      let kind: IVFKind
      if type == "IVF_PQ" {
        let m = try intParam("m", base.dim / 8)
        kind = .pq(m: m, nbits: 8)
        buildParams = "nlist=\(nlist),m=\(m),nbits=8"
      } else {
        kind = type == "IVF_FLAT" ? .flat : .sq8
        buildParams = "nlist=\(nlist)"
      }
      let quantizer = try IVFQuantizer.train(
        vectors: vectors, metric: indexMetric, nlist: nlist, kind: kind, control: nil)
      built = try IVFIndex.build(vectors: vectors, quantizer: quantizer, control: nil)
      knobName = "nprobe"
      knobs = [1, 2, 4, 8, 16, 32, 64, 128].filter { $0 <= nlist }
    default:
      throw UserError("unknown index \(index): use FLAT, HNSW, IVF_FLAT, IVF_SQ8 or IVF_PQ")
    }
    let buildSeconds = Self.seconds(since: started)
    if let sweep {
      knobs = try sweep.split(separator: ",").map {
        guard let value = Int($0.trimmingCharacters(in: .whitespaces)) else { throw UserError("bad sweep value \($0)") }
        return value
      }
    }
    let megabytes = Double(built.encode().count) / 1_048_576
    var flatQPS = 0.0
    for knob in knobs {
      let settings = IndexSearchParams(ef: knobName == "ef" ? knob : nil, nprobe: knobName == "nprobe" ? knob : nil)
      var found: [[Int32]] = []
      var best = Double.infinity
      for _ in 0..<3 {
        let clock = ContinuousClock.now
        found = Self.searchAll(built, queries: queries, params: settings, threads: 1)
        best = min(best, Self.seconds(since: clock))
      }
      var bestAll = Double.infinity
      for _ in 0..<3 {
        let clock = ContinuousClock.now
        _ = Self.searchAll(built, queries: queries, params: settings, threads: cores)
        bestAll = min(bestAll, Self.seconds(since: clock))
      }
      let recall =
        zip(found, truth).reduce(0.0) { $0 + Double(Set($1.0.prefix(10)).intersection($1.1).count) / 10 }
        / Double(queries.count)
      let qps = Double(queries.count) / best
      if type == "FLAT" { flatQPS = qps }
      let setting = knobName == "exact" ? "exact,one-at-a-time" : "\(knobName)=\(knob)"
      print(
        "vscope\t\(type)\t\(buildParams)\t\(setting)\t\(String(format: "%.4f", recall))\t\(Int(qps.rounded()))\t"
          + "\(String(format: "%.1f", buildSeconds))\t\(String(format: "%.1f", megabytes))\t"
          + "\(Int((Double(queries.count) / bestAll).rounded()))")
      fflush(nil)
    }
    if bandwidth {
      let gigabytes = Self.readBandwidth()
      Console.info(String(format: "# memory read bandwidth, one thread: %.1f GB/s", gigabytes))
      if type == "FLAT" {
        let scanned = flatQPS * Double(base.count * base.dim * 4) / 1e9
        Console.info(
          String(
            format: "# FLAT one query at a time scans %.1f GB/s: %.0f%% of the bandwidth", scanned,
            100 * scanned / gigabytes))
      }
    }
  }

  /// Every query, best 10 each, on `threads` threads.
  static func searchAll(_ index: any VectorIndex, queries: VecsFile, params: IndexSearchParams, threads: Int)
    -> [[Int32]]
  {
    var results = [[Int32]](repeating: [], count: queries.count)
    let chunks = max(1, threads)
    results.withUnsafeMutableBufferPointer { buffer in
      let slots = UnsafeSendable(buffer)
      queries.values.withUnsafeBufferPointer { raw in
        let base = UnsafeSendable(raw)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
          var row = chunk
          while row < queries.count {
            let hits = index.search(base.value.baseAddress! + row * queries.dim, k: 10, params: params, allowed: nil)
            slots.value[row] = hits.map(\.row)
            row += chunks
          }
        }
      }
    }
    return results
  }

  /// Reads a 1 GiB buffer with SIMD adds, best of 3: the machine's single-thread read bandwidth.
  static func readBandwidth() -> Double {
    let count = 1 << 28
    let buffer = [Float](repeating: 1, count: count)
    var best = Double.infinity
    var sink: Float = 0
    for _ in 0..<3 {
      let clock = ContinuousClock.now
      buffer.withUnsafeBytes { raw in
        var acc0 = SIMD16<Float>()
        var acc1 = SIMD16<Float>()
        var offset = 0
        while offset + 128 <= raw.count {
          acc0 += raw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
          acc1 += raw.loadUnaligned(fromByteOffset: offset + 64, as: SIMD16<Float>.self)
          offset += 128
        }
        sink += (acc0 + acc1).sum()
      }
      best = min(best, seconds(since: clock))
    }
    if sink == 42 { Console.info("") }
    return Double(count * 4) / best / 1e9
  }

  static func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }
}

/// Rows of an `.fvecs` or `.ivecs` file: each row is an int32 dimension, then that many values.
struct VecsFile {
  var dim = 0
  var count = 0
  var values = ContiguousArray<Float>()
  var integers: [Int32] = []

  static func read(_ path: String, integers: Bool = false) throws -> VecsFile {
    guard let data = FileManager.default.contents(atPath: path) else { throw UserError("cannot read \(path)") }
    var file = VecsFile()
    try data.withUnsafeBytes { raw in
      guard raw.count >= 4 else { throw UserError("\(path) is empty") }
      let dim = Int(raw.loadUnaligned(as: Int32.self))
      let rowBytes = 4 + dim * 4
      guard dim > 0, raw.count % rowBytes == 0 else {
        throw UserError("\(path) is not a .fvecs/.ivecs file (dim \(dim), \(raw.count) bytes)")
      }
      file.dim = dim
      file.count = raw.count / rowBytes
      for row in 0..<file.count {
        let start = row * rowBytes
        guard Int(raw.loadUnaligned(fromByteOffset: start, as: Int32.self)) == dim else {
          throw UserError("\(path): row \(row) has a different dimension")
        }
        for index in 0..<dim {
          if integers {
            file.integers.append(raw.loadUnaligned(fromByteOffset: start + 4 + index * 4, as: Int32.self))
          } else {
            file.values.append(raw.loadUnaligned(fromByteOffset: start + 4 + index * 4, as: Float.self))
          }
        }
      }
    }
    return file
  }
}

/// Hands a buffer to concurrent code that writes disjoint slots.
private struct UnsafeSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
