import Foundation
import Model
import XCTest

/// `vscope index --create` waits for the build; `vscope bench` prints the peer script's columns.
extension CLITests {
  /// `count` rows of `dim` floats in `.fvecs` form (or `.ivecs` when `integers`), from `value`.
  fileprivate func vecs(_ name: String, count: Int, dim: Int, value: (Int, Int) -> Float, integers: Bool = false)
    -> String
  {
    var data = Data()
    for row in 0..<count {
      withUnsafeBytes(of: Int32(dim).littleEndian) { data.append(contentsOf: $0) }
      for column in 0..<dim {
        let number = value(row, column)
        if integers {
          withUnsafeBytes(of: Int32(number).littleEndian) { data.append(contentsOf: $0) }
        } else {
          withUnsafeBytes(of: number.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
      }
    }
    let path = workDirectory + "/" + name
    try! data.write(to: URL(fileURLWithPath: path))
    return path
  }

  /// A deterministic pseudo-random float in [-1, 1) for a row and column.
  fileprivate static func noise(_ row: Int, _ column: Int) -> Float {
    var x = UInt64(row &* 7919 &+ column &* 104_729 &+ 1)
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    x ^= x >> 31
    return Float(x % 2_000_000) / 1_000_000 - 1
  }

  func testIndexCreateWaitsForTheBuildAndDescribeShowsIt() throws {
    try XCTAssertEqual(vscope(["create", "vecs", "--dim", "16", "--auto-id", "--metric", "L2"]).status, 0)
    let base = vecs("base.fvecs", count: 3000, dim: 16, value: Self.noise)
    try XCTAssertEqual(vscope(["import", "vecs", base]).status, 0)
    // The quick-setup FLAT index must go before another index can be defined.
    try XCTAssertEqual(vscope(["release", "vecs"]).status, 0)
    try XCTAssertEqual(vscope(["index", "vecs", "--drop", "vector"]).status, 0)
    try XCTAssertEqual(vscope(["load", "vecs"]).status, 0)
    let created = try vscope([
      "index", "vecs", "--create", "HNSW", "--metric", "L2", "--params", "M=8,efConstruction=40", "--json",
    ])
    XCTAssertEqual(created.status, 0, created.stderr)
    XCTAssertTrue(created.stderr.contains("index vector built: 3000/3000 rows"), created.stderr)
    let described = try json(vscope(["index", "vecs", "--json"]))
    XCTAssertEqual(described[0]?["index_type"], .string("HNSW"))
    XCTAssertEqual(described[0]?["state"], .string("Finished"))
    XCTAssertEqual(described[0]?["indexed_rows"], .int(3000))
    XCTAssertEqual(described[0]?["params"], .object(["M": .int(8), "efConstruction": .int(40)]))
    guard case .int(let memory)? = described[0]?["memory_bytes"] else { return XCTFail("no memory_bytes") }
    XCTAssertGreaterThan(memory, 3000 * 8 * 4)
    // A search through the index finds an inserted row's own vector first.
    let vector = "[" + (0..<16).map { "\(Self.noise(123, $0))" }.joined(separator: ",") + "]"
    let hits = try json(vscope(["search", "vecs", "--vector", vector, "--params", "ef=32", "--json"]))
    switch hits[0]?[0]?["distance"] {
    case .int(let distance)?: XCTAssertEqual(distance, 0)
    case .double(let distance)?: XCTAssertEqual(distance, 0, accuracy: 1e-4)
    default: XCTFail("no distance in \(hits)")
    }
    let bad = try vscope(["search", "vecs", "--vector", vector, "--top-k", "50", "--params", "ef=10"])
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.stderr.contains("param 'ef' (10) should be in range [topk (50), 32768]"), bad.stderr)
  }

  func testBenchPrintsThePeerColumnsWithRecall() throws {
    let dim = 8
    _ = vecs("base.fvecs", count: 500, dim: dim, value: Self.noise)
    _ = vecs("query.fvecs", count: 20, dim: dim, value: { Self.noise($0 + 10_000, $1) })
    // The exact top 10 by inner product, computed here.
    var truth: [[Int]] = []
    for query in 0..<20 {
      let scores = (0..<500).map { row in
        (0..<dim).reduce(Float(0)) { $0 + Self.noise(query + 10_000, $1) * Self.noise(row, $1) }
      }
      truth.append(Array(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(10)))
    }
    _ = vecs("gt_ip.ivecs", count: 20, dim: 10, value: { Float(truth[$0][$1]) }, integers: true)
    let run = try vscope(["bench", workDirectory, "--index", "FLAT"], embedded: false)
    XCTAssertEqual(run.status, 0, run.stderr)
    let lines = run.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    XCTAssertEqual(
      lines.first?.map(String.init),
      [
        "engine", "index", "build_params", "search_param", "recall@10", "qps", "build_s", "index_mb", "qps_all_cores",
      ])
    XCTAssertEqual(lines.count, 2)
    XCTAssertEqual(lines[1][0], "vscope")
    XCTAssertEqual(lines[1][3], "exact,one-at-a-time")
    XCTAssertEqual(lines[1][4], "1.0000", "FLAT finds the exact neighbours")
    let hnsw = try vscope(
      ["bench", workDirectory, "--index", "HNSW", "--params", "M=8,efConstruction=64", "--sweep", "10,200"],
      embedded: false)
    XCTAssertEqual(hnsw.status, 0, hnsw.stderr)
    let recalls = hnsw.stdout.split(separator: "\n").dropFirst().map { Double($0.split(separator: "\t")[4])! }
    XCTAssertEqual(recalls.count, 2)
    XCTAssertEqual(recalls[1], 1, accuracy: 0.001, "ef=200 over 500 rows is exhaustive")
  }
}

extension CLITests {
  func testHelpIsPrintedForTheRootAndEveryCommand() throws {
    let root = try vscope(["--help"], embedded: false)
    XCTAssertEqual(root.status, 0)
    XCTAssertTrue(root.stdout.contains("OVERVIEW: Explore vector collections"), root.stdout + root.stderr)
    for arguments in [["help", "index"], ["index", "--help"]] {
      let run = try vscope(arguments, embedded: false)
      XCTAssertEqual(run.status, 0)
      XCTAssertTrue(run.stdout.contains("IVF_PQ") && run.stdout.contains("efConstruction"), run.stdout)
    }
  }
}
