import CKernels
import Dispatch
import Synchronization

/// Hierarchical Navigable Small World graph (Malkov & Yashunin), following hnswlib's algorithm.
///
/// Level 0 keeps up to `2 * M` links per row, upper levels up to `M`; a row's level is drawn with
/// `mult = 1 / ln(M)`; neighbours are chosen with hnswlib's heuristic (`getNeighborsByHeuristic2`).
/// The index reads the `VectorRows` it was built over and never copies them.
public final class HNSWIndex: VectorIndex {
  /// The candidate list size a search uses when `IndexSearchParams.ef` is nil (raised to k).
  public static let defaultEf = 64

  public var typeName: String { "HNSW" }
  /// How rows are scored.
  public let metric: IndexMetric
  /// Links per row on the upper levels (level 0 keeps twice as many).
  public let M: Int
  /// The candidate list size the build used.
  public let efConstruction: Int
  /// The rows the graph links; row numbers are positions in this storage.
  public let vectors: VectorRows

  let graph: HNSWGraph
  /// Search scratch (visited marks, heaps) reused across searches; each search owns one at a time.
  private let scratchPool = Mutex<[WalkScratch]>([])

  public var count: Int { graph.count }
  public var memoryBytes: Int { graph.memoryBytes }

  init(vectors: VectorRows, metric: IndexMetric, M: Int, efConstruction: Int, graph: HNSWGraph) {
    self.vectors = vectors
    self.metric = metric
    self.M = M
    self.efConstruction = efConstruction
    self.graph = graph
  }

  // MARK: build

  /// Builds the graph over every row of `vectors`, inserting rows in order (deterministic for a seed
  /// when `threads == 1`). Reports progress to `control` and stops with `BuildCancelled` when asked.
  public static func build(
    vectors: VectorRows, metric: IndexMetric, M: Int, efConstruction: Int,
    seed: UInt64 = 100, threads: Int = 1, control: BuildControl? = nil
  ) throws(BuildCancelled) -> HNSWIndex {
    precondition(M >= 2 && M <= maxLinksPerLevel / 2, "HNSW M must be in 2...\(maxLinksPerLevel / 2)")
    precondition(vectors.count < Int(Int32.max), "HNSW rows must fit in Int32")
    let count = vectors.count
    let efConstruction = max(efConstruction, M)
    let graph = HNSWGraph(count: count, M: M, levels: randomLevels(count: count, M: M, seed: seed))
    let index = HNSWIndex(vectors: vectors, metric: metric, M: M, efConstruction: efConstruction, graph: graph)
    guard count > 0 else { return index }
    let finished: Bool = vectors.withBase { base in
      let builder = HNSWBuilder(
        graph: graph, base: base, dim: vectors.dim, metric: metric, efConstruction: efConstruction,
        threads: max(1, min(threads, count)), control: control)
      return builder.run()
    }
    if !finished { throw BuildCancelled() }
    vectors.withBase { base in linkUnreachableRows(graph: graph, base: base, dim: vectors.dim, metric: metric) }
    return index
  }

  /// Gives every row without an incoming link on level 0 one, from its nearest out-neighbour (which
  /// drops its farthest link when full). Neighbour pruning can leave a row that no other row links
  /// to; a search can then never reach it, however wide its beam.
  static func linkUnreachableRows(graph: HNSWGraph, base: UnsafePointer<Float>, dim: Int, metric: IndexMetric) {
    let count = graph.count
    guard count > 1 else { return }
    var incoming = [Int32](repeating: 0, count: count)
    for row in 0..<count {
      let list = graph.links(of: Int32(row), level: 0)
      for slot in 0..<Int(list[0]) { incoming[Int(list[1 + slot])] += 1 }
    }
    for row in 0..<count where incoming[row] == 0 && Int32(row) != graph.entryPoint {
      let list = graph.links(of: Int32(row), level: 0)
      guard list[0] > 0 else { continue }
      let neighbour = list[1]
      let target = graph.links(of: neighbour, level: 0)
      let size = Int(target[0])
      if size < graph.M0 {
        target[1 + size] = Int32(row)
        target[0] = Int32(size + 1)
      } else {
        // Replace the neighbour's farthest link, unless that would orphan it in turn.
        let origin = base + Int(neighbour) * dim
        var farthest = -1
        var farthestScore = -Float.infinity
        for slot in 0..<size {
          let linked = Int(target[1 + slot])
          guard incoming[linked] > 1 else { continue }
          let score = metric.score(origin, base + linked * dim, dim: dim)
          if score > farthestScore {
            farthestScore = score
            farthest = slot
          }
        }
        guard farthest >= 0 else { continue }
        incoming[Int(target[1 + farthest])] -= 1
        target[1 + farthest] = Int32(row)
      }
      incoming[row] += 1
    }
  }

  /// Levels for `count` rows: level `l` with probability `M^-l - M^-(l+1)`, i.e. hnswlib's
  /// `floor(-ln(u) / ln(M))` for `u` uniform in (0, 1], computed without a logarithm.
  static func randomLevels(count: Int, M: Int, seed: UInt64) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    let shrink = 1 / Double(M)
    return (0..<count).map { _ in
      let uniform = (Double(generator.next() >> 11) + 1) * 0x1p-53
      var level: UInt8 = 0
      var threshold = shrink
      while uniform <= threshold && level < maxLevelCap {
        level += 1
        threshold *= shrink
      }
      return level
    }
  }

  // MARK: search

  /// The best `k` allowed rows for `query`, best first (ties by smaller row). The walk visits
  /// disallowed rows but never returns them, as hnswlib's filter functor does.
  public func search(_ query: UnsafePointer<Float>, k: Int, params: IndexSearchParams, allowed: RowBitset?)
    -> [IndexHit]
  {
    guard k > 0, graph.count > 0 else { return [] }
    if let allowed, allowed.setCount == 0 { return [] }
    let ef = max(params.ef ?? Self.defaultEf, k)
    let scratch = scratchPool.withLock { $0.popLast() } ?? WalkScratch(rows: graph.count, M0: graph.M0)
    defer { scratchPool.withLock { $0.append(scratch) } }
    return vectors.withBase { base in
      let walker = LayerWalker(graph: graph, base: base, dim: vectors.dim, metric: metric, locks: nil)
      if let allowed {
        return allowed.words.withUnsafeBufferPointer { words in
          let filter = RowFilter(words: words.baseAddress!, count: allowed.count)
          return walker.knn(query, k: k, ef: ef, scratch: scratch, filter: filter)
        }
      }
      return walker.knn(query, k: k, ef: ef, scratch: scratch, filter: nil)
    }
  }

  // MARK: file format

  /// The graph's bytes: header (magic, version, metric, M, efConstruction, rows, dim, entry point,
  /// top level, checksum), one level byte per row, then per row and level a link count and the links.
  /// The vectors are not included.
  public func encode() -> [UInt8] {
    var body = [UInt8]()
    body.reserveCapacity(graph.count * (1 + 4 * (graph.M0 + 2)))
    for row in 0..<graph.count { body.append(graph.levels[row]) }
    for row in 0..<graph.count {
      for level in 0...Int(graph.levels[row]) {
        let list = graph.links(of: Int32(row), level: level)
        body.appendLittleEndian(UInt32(list[0]))
        for slot in 0..<Int(list[0]) { body.appendLittleEndian(UInt32(list[1 + slot])) }
      }
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity(HNSWFormat.headerSize + body.count)
    bytes.append(contentsOf: HNSWFormat.magic)
    bytes.appendLittleEndian(HNSWFormat.version)
    bytes.appendLittleEndian(UInt32(metric.rawValue))
    bytes.appendLittleEndian(UInt32(M))
    bytes.appendLittleEndian(UInt32(efConstruction))
    bytes.appendLittleEndian(UInt32(graph.count))
    bytes.appendLittleEndian(UInt32(vectors.dim))
    bytes.appendLittleEndian(UInt32(bitPattern: graph.entryPoint))
    bytes.appendLittleEndian(UInt32(graph.maxLevel))
    bytes.appendLittleEndian(HNSWFormat.checksum(body))
    bytes.append(contentsOf: body)
    return bytes
  }

  /// Reads bytes written by `encode()` for the same `vectors`, checking every count, level and link.
  public static func decode(_ bytes: UnsafeRawBufferPointer, vectors: VectorRows) throws(IndexFormatError)
    -> HNSWIndex
  {
    var reader = HNSWByteReader(bytes: bytes)
    guard bytes.count >= HNSWFormat.headerSize else { throw IndexFormatError("HNSW: truncated header") }
    guard HNSWFormat.magic.elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[0..<4])) else {
      throw IndexFormatError("HNSW: bad magic")
    }
    reader.offset = 4
    guard try reader.uint32() == HNSWFormat.version else { throw IndexFormatError("HNSW: unknown version") }
    let metricCode = try reader.uint32()
    guard metricCode <= UInt32(UInt8.max), let metric = IndexMetric(rawValue: UInt8(metricCode)) else {
      throw IndexFormatError("HNSW: unknown metric")
    }
    let M = Int(try reader.uint32())
    let efConstruction = Int(try reader.uint32())
    let count = Int(try reader.uint32())
    let dim = Int(try reader.uint32())
    let entryPoint = Int(try reader.uint32())
    let maxLevel = Int(try reader.uint32())
    let checksum = try reader.uint64()
    guard M >= 2 && M <= maxLinksPerLevel / 2 else { throw IndexFormatError("HNSW: bad M \(M)") }
    guard efConstruction >= M && efConstruction <= 1 << 20 else {
      throw IndexFormatError("HNSW: bad efConstruction \(efConstruction)")
    }
    guard count == vectors.count else {
      throw IndexFormatError("HNSW: \(count) rows in the graph, \(vectors.count) vectors")
    }
    guard dim == vectors.dim else { throw IndexFormatError("HNSW: dimension \(dim), vectors have \(vectors.dim)") }
    let body = UnsafeRawBufferPointer(rebasing: bytes[HNSWFormat.headerSize...])
    guard HNSWFormat.checksum(body) == checksum else { throw IndexFormatError("HNSW: checksum mismatch") }
    guard body.count >= count else { throw IndexFormatError("HNSW: truncated levels") }
    let levels = [UInt8](body[0..<count])
    if count == 0 {
      guard entryPoint == 0 && maxLevel == 0 && body.isEmpty else { throw IndexFormatError("HNSW: bad empty graph") }
      return HNSWIndex(
        vectors: vectors, metric: metric, M: M, efConstruction: efConstruction,
        graph: HNSWGraph(count: 0, M: M, levels: []))
    }
    guard entryPoint < count else { throw IndexFormatError("HNSW: entry point out of range") }
    guard let topLevel = levels.max(), Int(topLevel) == maxLevel, topLevel <= maxLevelCap,
      Int(levels[entryPoint]) == maxLevel
    else { throw IndexFormatError("HNSW: inconsistent levels") }
    // Every list takes at least its count word: bound the allocation by the bytes at hand.
    let lists = levels.reduce(0) { $0 + Int($1) + 1 }
    guard lists <= (body.count - count) / 4, (lists - count) * (M + 1) < Int(Int32.max) else {
      throw IndexFormatError("HNSW: truncated links")
    }
    let graph = HNSWGraph(count: count, M: M, levels: levels)
    graph.entryPoint = Int32(entryPoint)
    graph.maxLevel = maxLevel
    reader.offset = HNSWFormat.headerSize + count
    for row in 0..<count {
      for level in 0...Int(levels[row]) {
        let linkCount = Int(try reader.uint32())
        guard linkCount <= (level == 0 ? graph.M0 : M) else {
          throw IndexFormatError("HNSW: row \(row) has \(linkCount) links on level \(level)")
        }
        let list = graph.links(of: Int32(row), level: level)
        list[0] = Int32(linkCount)
        for slot in 0..<linkCount {
          let target = Int(try reader.uint32())
          guard target < count, target != row, Int(levels[target]) >= level else {
            throw IndexFormatError("HNSW: row \(row) links to bad row \(target) on level \(level)")
          }
          list[1 + slot] = Int32(target)
        }
      }
    }
    guard reader.offset == bytes.count else { throw IndexFormatError("HNSW: trailing bytes") }
    return HNSWIndex(vectors: vectors, metric: metric, M: M, efConstruction: efConstruction, graph: graph)
  }
}

/// Highest level a row may get (levels are stored in a byte).
let maxLevelCap: UInt8 = 64
/// Upper bound of links per list (level 0 keeps `2 * M`).
let maxLinksPerLevel = 4096

// MARK: - graph storage

/// The links of an HNSW graph in flat storage: level 0 as `count` fixed-size lists of `M0 + 1` words
/// (link count, then links), upper levels as `M + 1`-word lists packed per row in level order.
///
/// `@unchecked Sendable` is safe: the storage is written only while the graph is being built (under
/// the per-row spin locks of `HNSWBuilder` when several threads insert) or decoded, before any
/// `HNSWIndex` holding it is published; afterwards it is only read.
final class HNSWGraph: @unchecked Sendable {
  let count: Int
  let M: Int
  let M0: Int
  let levels: UnsafeMutablePointer<UInt8>
  let level0: UnsafeMutablePointer<Int32>
  /// Per row, the index in `upper` of its level-1 list (unused for rows on level 0 only).
  let upperStart: UnsafeMutablePointer<Int32>
  let upper: UnsafeMutablePointer<Int32>
  let upperWords: Int
  var entryPoint: Int32 = 0
  var maxLevel = 0

  init(count: Int, M: Int, levels: [UInt8]) {
    precondition(levels.count == count)
    self.count = count
    self.M = M
    M0 = 2 * M
    self.levels = .allocate(capacity: max(count, 1))
    level0 = .allocate(capacity: max(count * (M0 + 1), 1))
    level0.initialize(repeating: 0, count: max(count * (M0 + 1), 1))
    upperStart = .allocate(capacity: max(count, 1))
    var words = 0
    for row in 0..<count {
      self.levels[row] = levels[row]
      upperStart[row] = Int32(words)
      words += Int(levels[row]) * (M + 1)
    }
    precondition(words < Int(Int32.max), "HNSW upper levels too large")
    upperWords = words
    upper = .allocate(capacity: max(words, 1))
    upper.initialize(repeating: 0, count: max(words, 1))
    for row in 0..<count where Int(levels[row]) > maxLevel {
      maxLevel = Int(levels[row])
      entryPoint = Int32(row)
    }
  }

  deinit {
    levels.deallocate()
    level0.deallocate()
    upperStart.deallocate()
    upper.deallocate()
  }

  /// Graph bytes: links on every level, level bytes and upper-level offsets.
  var memoryBytes: Int { count * (M0 + 1) * 4 + upperWords * 4 + count * 5 }

  /// The list of `row` on `level`: `[linkCount, link0, link1, ...]`.
  @inline(__always)
  func links(of row: Int32, level: Int) -> UnsafeMutablePointer<Int32> {
    level == 0
      ? level0 + Int(row) * (M0 + 1)
      : upper + Int(upperStart[Int(row)]) + (level - 1) * (M + 1)
  }
}

// MARK: - search machinery

/// Rows a filtered search may return (a `RowBitset`'s words, read in place).
struct RowFilter {
  let words: UnsafePointer<UInt64>
  let count: Int

  @inline(__always)
  func allows(_ row: Int32) -> Bool {
    Int(row) < count && words[Int(row) >> 6] & (1 << UInt64(row & 63)) != 0
  }
}

/// A (score, row) pair packed so that integer order is score order, then row order.
enum ScoredRow {
  @inline(__always)
  static func key(_ score: Float, _ row: Int32) -> UInt64 {
    let bits = score.bitPattern
    let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    return UInt64(ordered) << 32 | UInt64(UInt32(bitPattern: row))
  }

  @inline(__always)
  static func row(_ key: UInt64) -> Int32 { Int32(truncatingIfNeeded: key) }

  @inline(__always)
  static func score(_ key: UInt64) -> Float {
    let ordered = UInt32(truncatingIfNeeded: key >> 32)
    return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
  }
}

/// A binary max-heap of packed keys on manually managed storage (owned by a `WalkScratch`).
struct KeyHeap {
  private(set) var storage: UnsafeMutablePointer<UInt64>
  private(set) var capacity: Int
  private(set) var count = 0

  init(capacity: Int) {
    self.capacity = Swift.max(capacity, 16)
    storage = .allocate(capacity: self.capacity)
  }

  func deallocate() { storage.deallocate() }

  @inline(__always) var max: UInt64 { storage[0] }
  @inline(__always) mutating func removeAll() { count = 0 }

  @inline(__always)
  mutating func push(_ key: UInt64) {
    if count == capacity { grow() }
    var hole = count
    count += 1
    while hole > 0 {
      let parent = (hole - 1) >> 1
      let parentKey = storage[parent]
      if parentKey >= key { break }
      storage[hole] = parentKey
      hole = parent
    }
    storage[hole] = key
  }

  /// Removes and returns the largest key; the heap must not be empty.
  @inline(__always)
  @discardableResult
  mutating func popMax() -> UInt64 {
    let top = storage[0]
    count -= 1
    let last = storage[count]
    var hole = 0
    while true {
      var child = 2 * hole + 1
      if child >= count { break }
      if child + 1 < count && storage[child + 1] > storage[child] { child += 1 }
      if storage[child] <= last { break }
      storage[hole] = storage[child]
      hole = child
    }
    storage[hole] = last
    return top
  }

  private mutating func grow() {
    let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
    bigger.moveInitialize(from: storage, count: count)
    storage.deallocate()
    storage = bigger
    capacity *= 2
  }
}

/// Per-walk working memory: generation-stamped visited marks, the two heaps and small buffers.
///
/// `@unchecked Sendable` is safe: a scratch is used by one thread at a time; searches take it from
/// and return it to the index's `Mutex`-guarded pool, build workers each own one.
final class WalkScratch: @unchecked Sendable {
  let visited: UnsafeMutablePointer<UInt16>
  let rows: Int
  var generation: UInt16 = 0
  var candidates: KeyHeap
  var nearest: KeyHeap
  /// Unvisited neighbours of the row being expanded.
  let fresh: UnsafeMutablePointer<Int32>
  /// Keys sorted best first (heuristic input) and the heuristic's choice.
  var sorted: UnsafeMutablePointer<UInt64>
  var sortedCapacity: Int
  let chosen: UnsafeMutablePointer<UInt64>

  init(rows: Int, M0: Int) {
    self.rows = rows
    visited = .allocate(capacity: max(rows, 1))
    visited.initialize(repeating: 0, count: max(rows, 1))
    candidates = KeyHeap(capacity: 256)
    nearest = KeyHeap(capacity: 256)
    fresh = .allocate(capacity: M0 + 1)
    sortedCapacity = 256
    sorted = .allocate(capacity: sortedCapacity)
    chosen = .allocate(capacity: M0 + 1)
  }

  deinit {
    visited.deallocate()
    candidates.deallocate()
    nearest.deallocate()
    fresh.deallocate()
    sorted.deallocate()
    chosen.deallocate()
  }

  /// A generation no row is marked with yet.
  @inline(__always)
  func nextGeneration() -> UInt16 {
    if generation == UInt16.max {
      visited.update(repeating: 0, count: rows)
      generation = 0
    }
    generation += 1
    return generation
  }

  func reserveSorted(_ capacity: Int) {
    guard capacity > sortedCapacity else { return }
    sorted.deallocate()
    sortedCapacity = capacity
    sorted = .allocate(capacity: capacity)
  }
}

/// The graph walk over raw storage: greedy descent on upper levels and hnswlib's beam search.
/// `locks` is non-nil while several threads build (each list is then read and written under its
/// row's spin lock); searches and single-threaded builds pass nil.
struct LayerWalker {
  let graph: HNSWGraph
  let level0: UnsafeMutablePointer<Int32>
  let level0Stride: Int
  let base: UnsafePointer<Float>
  let dim: Int
  let metric: IndexMetric
  let locks: UnsafeMutablePointer<UInt8>?

  init(graph: HNSWGraph, base: UnsafePointer<Float>, dim: Int, metric: IndexMetric, locks: UnsafeMutablePointer<UInt8>?)
  {
    self.graph = graph
    level0 = graph.level0
    level0Stride = graph.M0 + 1
    self.base = base
    self.dim = dim
    self.metric = metric
    self.locks = locks
  }

  @inline(__always)
  func vector(_ row: Int32) -> UnsafePointer<Float> { base + Int(row) * dim }

  @inline(__always)
  func score(_ query: UnsafePointer<Float>, _ row: Int32) -> Float {
    metric == .l2 ? vs_l2sq(query, vector(row), dim) : -vs_dot(query, vector(row), dim)
  }

  @inline(__always)
  func list(_ row: Int32, level: Int) -> UnsafeMutablePointer<Int32> {
    level == 0 ? level0 + Int(row) * level0Stride : graph.links(of: row, level: level)
  }

  @inline(__always) func lock(_ row: Int32) { if let locks { vs_spin_lock(locks + Int(row)) } }
  @inline(__always) func unlock(_ row: Int32) { if let locks { vs_spin_unlock(locks + Int(row)) } }

  /// hnswlib's greedy descent from `top` down to (but not into) `bottom`: on each level, move to a
  /// better neighbour until none is better.
  func descend(_ query: UnsafePointer<Float>, from entry: Int32, top: Int, bottom: Int, scratch: WalkScratch)
    -> Int32
  {
    var current = entry
    var currentScore = score(query, entry)
    var level = top
    while level > bottom {
      var changed = true
      while changed {
        changed = false
        lock(current)
        let links = list(current, level: level)
        let linkCount = Int(links[0])
        for slot in 0..<linkCount { scratch.fresh[slot] = links[1 + slot] }
        unlock(current)
        for slot in 0..<min(2, linkCount) { vs_prefetch(vector(scratch.fresh[slot]), dim * 4) }
        for slot in 0..<linkCount {
          let candidate = scratch.fresh[slot]
          if slot + 2 < linkCount { vs_prefetch(vector(scratch.fresh[slot + 2]), dim * 4) }
          let candidateScore = score(query, candidate)
          if candidateScore < currentScore {
            currentScore = candidateScore
            current = candidate
            changed = true
          }
        }
      }
      level -= 1
    }
    return current
  }

  /// hnswlib's `searchBaseLayer(ST)`: beam search on `level` from `entry` keeping the `ef` best allowed
  /// rows in `scratch.nearest` (a max-heap of packed keys). Disallowed rows are expanded but not kept.
  @inline(__always)
  func searchLayer(
    _ query: UnsafePointer<Float>, entry: Int32, level: Int, ef: Int, scratch: WalkScratch, filter: RowFilter?
  ) {
    let generation = scratch.nextGeneration()
    let visited = scratch.visited
    let fresh = scratch.fresh
    var candidates = scratch.candidates
    var nearest = scratch.nearest
    candidates.removeAll()
    nearest.removeAll()
    defer {
      scratch.candidates = candidates
      scratch.nearest = nearest
    }

    let entryKey = ScoredRow.key(score(query, entry), entry)
    var bound = UInt64.max
    if filter?.allows(entry) ?? true {
      nearest.push(entryKey)
      bound = entryKey
    }
    candidates.push(~entryKey)
    visited[Int(entry)] = generation

    while candidates.count > 0 {
      let candidateKey = ~candidates.max
      if candidateKey > bound && (nearest.count == ef || filter == nil) { break }
      candidates.popMax()
      let row = ScoredRow.row(candidateKey)

      lock(row)
      let links = list(row, level: level)
      let linkCount = Int(links[0])
      var freshCount = 0
      for slot in 1..<(linkCount + 1) {
        let neighbour = links[slot]
        if visited[Int(neighbour)] != generation {
          visited[Int(neighbour)] = generation
          fresh[freshCount] = neighbour
          freshCount += 1
        }
      }
      unlock(row)
      guard freshCount > 0 else { continue }

      // Rows are 1.5 KB at 384 dims: fetch whole rows two ahead of the kernel (measured faster than
      // hnswlib's first-line-only prefetch).
      vs_prefetch(vector(fresh[0]), dim * 4)
      if freshCount > 1 { vs_prefetch(vector(fresh[1]), dim * 4) }
      for slot in 0..<freshCount {
        let neighbour = fresh[slot]
        if slot + 2 < freshCount { vs_prefetch(vector(fresh[slot + 2]), dim * 4) }
        let key = ScoredRow.key(score(query, neighbour), neighbour)
        if nearest.count < ef || key < bound {
          candidates.push(~key)
          if filter?.allows(neighbour) ?? true {
            nearest.push(key)
            if nearest.count > ef { nearest.popMax() }
          }
          if nearest.count > 0 { bound = nearest.max }
        }
      }
      // The next row to expand is the best candidate: fetch its link list while finishing up.
      if candidates.count > 0 { vs_prefetch_line(list(ScoredRow.row(~candidates.max), level: level)) }
    }
  }

  /// hnswlib's `searchKnn`: greedy descent to level 1, beam search with `ef` on level 0, best `k` kept.
  func knn(_ query: UnsafePointer<Float>, k: Int, ef: Int, scratch: WalkScratch, filter: RowFilter?) -> [IndexHit] {
    let entry = descend(query, from: graph.entryPoint, top: graph.maxLevel, bottom: 0, scratch: scratch)
    searchLayer(query, entry: entry, level: 0, ef: ef, scratch: scratch, filter: filter)
    while scratch.nearest.count > k { scratch.nearest.popMax() }
    let found = scratch.nearest.count
    return [IndexHit](unsafeUninitializedCapacity: found) { buffer, initialized in
      for slot in stride(from: found - 1, through: 0, by: -1) {
        let key = scratch.nearest.popMax()
        buffer.initializeElement(at: slot, to: IndexHit(row: ScoredRow.row(key), score: ScoredRow.score(key)))
      }
      initialized = found
    }
  }
}

// MARK: - build

/// Inserts rows into an `HNSWGraph` as hnswlib's `addPoint` does, on one or several threads.
///
/// `@unchecked Sendable` is safe: build workers share it, and everything they change is either
/// atomic (`nextRow`, `stopped`), behind a `Mutex` (`entry`), or a link list touched only under its
/// row's spin lock (`locks`, present whenever more than one thread runs). Vectors and levels are
/// read-only during the build.
final class HNSWBuilder: @unchecked Sendable {
  let graph: HNSWGraph
  let walker: LayerWalker
  let efConstruction: Int
  let threads: Int
  let control: BuildControl?
  let locks: UnsafeMutablePointer<UInt8>?
  /// The entry point and its level (hnswlib's `enterpoint_node_` and `maxlevel_` under `global`).
  let entry: Mutex<EntryPoint>
  let nextRow = Atomic<Int>(1)
  let stopped = Atomic<Bool>(false)

  struct EntryPoint {
    var row: Int32
    var level: Int
  }

  static let progressBatch = 256

  init(
    graph: HNSWGraph, base: UnsafePointer<Float>, dim: Int, metric: IndexMetric, efConstruction: Int,
    threads: Int, control: BuildControl?
  ) {
    self.graph = graph
    self.efConstruction = efConstruction
    self.threads = threads
    self.control = control
    if threads > 1 {
      let locks = UnsafeMutablePointer<UInt8>.allocate(capacity: graph.count)
      locks.initialize(repeating: 0, count: graph.count)
      self.locks = locks
    } else {
      locks = nil
    }
    walker = LayerWalker(graph: graph, base: base, dim: dim, metric: metric, locks: locks)
    entry = Mutex(EntryPoint(row: 0, level: Int(graph.levels[0])))
  }

  deinit { locks?.deallocate() }

  /// Inserts every row; false when the build was cancelled.
  func run() -> Bool {
    // Row 0 is the first entry point; it has no links until later rows connect to it.
    control?.advance(by: 1)
    if threads == 1 {
      let scratch = WalkScratch(rows: graph.count, M0: graph.M0)
      scratch.reserveSorted(efConstruction + 2 * (graph.M0 + 1))
      insertRows(scratch: scratch)
    } else {
      DispatchQueue.concurrentPerform(iterations: threads) { _ in
        let scratch = WalkScratch(rows: graph.count, M0: graph.M0)
        scratch.reserveSorted(efConstruction + 2 * (graph.M0 + 1))
        insertRows(scratch: scratch)
      }
    }
    if stopped.load(ordering: .relaxed) { return false }
    let top = entry.withLock { $0 }
    graph.entryPoint = top.row
    graph.maxLevel = top.level
    return true
  }

  /// One worker: takes rows in order until none is left or the build is cancelled.
  private func insertRows(scratch: WalkScratch) {
    var unreported = 0
    defer { if unreported > 0 { control?.advance(by: unreported) } }
    while true {
      if stopped.load(ordering: .relaxed) { return }
      if let control, control.isCancelled {
        stopped.store(true, ordering: .relaxed)
        return
      }
      let row = nextRow.wrappingAdd(1, ordering: .relaxed).oldValue
      if row >= graph.count { return }
      insert(Int32(row), scratch: scratch)
      unreported += 1
      if unreported == Self.progressBatch {
        control?.advance(by: unreported)
        unreported = 0
      }
    }
  }

  /// hnswlib's `addPoint`. A row that raises the top level holds the entry lock for its whole insertion.
  private func insert(_ row: Int32, scratch: WalkScratch) {
    let level = Int(graph.levels[Int(row)])
    let start = entry.withLock { $0 }
    if level <= start.level {
      link(row, level: level, from: start, scratch: scratch)
      return
    }
    entry.withLock { current in
      link(row, level: level, from: current, scratch: scratch)
      if level > current.level { current = EntryPoint(row: row, level: level) }
    }
  }

  private func link(_ row: Int32, level: Int, from start: EntryPoint, scratch: WalkScratch) {
    let query = walker.vector(row)
    var current = start.row
    if level < start.level {
      current = walker.descend(query, from: current, top: start.level, bottom: level, scratch: scratch)
    }
    for layer in stride(from: min(level, start.level), through: 0, by: -1) {
      walker.searchLayer(query, entry: current, level: layer, ef: efConstruction, scratch: scratch, filter: nil)
      current = connect(row, level: layer, scratch: scratch)
    }
  }

  /// hnswlib's `mutuallyConnectNewElement`: links `row` to the heuristic's choice among the beam
  /// search's result (in `scratch.nearest`) and each chosen row back to `row`, re-running the
  /// heuristic on lists that are full. Returns the closest chosen row (next level's entry).
  private func connect(_ row: Int32, level: Int, scratch: WalkScratch) -> Int32 {
    let found = scratch.nearest.count
    let sorted = scratch.sorted
    for slot in stride(from: found - 1, through: 0, by: -1) { sorted[slot] = scratch.nearest.popMax() }
    let chosen = scratch.chosen
    let chosenCount = selectNeighbours(sorted, count: found, limit: graph.M, into: chosen)

    walker.lock(row)
    let own = walker.list(row, level: level)
    for slot in 0..<chosenCount { own[1 + slot] = ScoredRow.row(chosen[slot]) }
    own[0] = Int32(chosenCount)
    walker.unlock(row)

    let capacity = level == 0 ? graph.M0 : graph.M
    for slot in 0..<chosenCount {
      let neighbour = ScoredRow.row(chosen[slot])
      walker.lock(neighbour)
      let links = walker.list(neighbour, level: level)
      let linkCount = Int(links[0])
      if linkCount < capacity {
        links[1 + linkCount] = row
        links[0] = Int32(linkCount + 1)
      } else {
        // Full: keep the heuristic's choice among the old links and `row`, as seen from `neighbour`.
        let origin = walker.vector(neighbour)
        let pool = sorted + found
        pool[0] = ScoredRow.key(walker.score(origin, row), row)
        for link in 0..<linkCount {
          let other = links[1 + link]
          pool[1 + link] = ScoredRow.key(walker.score(origin, other), other)
        }
        insertionSort(pool, count: linkCount + 1)
        let keep = sorted + found + linkCount + 1
        let kept = selectNeighbours(pool, count: linkCount + 1, limit: capacity, into: keep)
        for link in 0..<kept { links[1 + link] = ScoredRow.row(keep[link]) }
        links[0] = Int32(kept)
      }
      walker.unlock(neighbour)
    }
    return ScoredRow.row(chosen[0])
  }

  /// hnswlib's `getNeighborsByHeuristic2` on keys sorted best first: keeps a candidate only if it is
  /// closer to the origin than to every candidate kept so far; all of them when fewer than `limit`.
  private func selectNeighbours(
    _ sorted: UnsafeMutablePointer<UInt64>, count: Int, limit: Int, into chosen: UnsafeMutablePointer<UInt64>
  ) -> Int {
    if count < limit {
      chosen.update(from: sorted, count: count)
      return count
    }
    var chosenCount = 0
    for slot in 0..<count {
      if chosenCount >= limit { break }
      let key = sorted[slot]
      let candidate = walker.vector(ScoredRow.row(key))
      let scoreToOrigin = ScoredRow.score(key)
      var keep = true
      for other in 0..<chosenCount where walker.score(candidate, ScoredRow.row(chosen[other])) < scoreToOrigin {
        keep = false
        break
      }
      if keep {
        chosen[chosenCount] = key
        chosenCount += 1
      }
    }
    return chosenCount
  }

  private func insertionSort(_ keys: UnsafeMutablePointer<UInt64>, count: Int) {
    guard count > 1 else { return }
    for slot in 1..<count {
      let key = keys[slot]
      var hole = slot
      while hole > 0 && keys[hole - 1] > key {
        keys[hole] = keys[hole - 1]
        hole -= 1
      }
      keys[hole] = key
    }
  }
}

// MARK: - helpers

enum HNSWFormat {
  static let magic: [UInt8] = Array("VSHN".utf8)
  static let version: UInt32 = 1
  /// magic, version, metric, M, efConstruction, rows, dim, entry point, top level, checksum.
  static let headerSize = 4 + 8 * 4 + 8

  /// FNV-1a over 8-byte little-endian words (then the tail bytes), to catch corrupted files.
  static func checksum<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01B3
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    var word: UInt64 = 0
    var filled: UInt64 = 0
    for byte in bytes {
      word |= UInt64(byte) << (filled * 8)
      filled += 1
      if filled == 8 {
        hash = (hash ^ word) &* prime
        word = 0
        filled = 0
      }
    }
    if filled > 0 { hash = (hash ^ word ^ (filled << 56)) &* prime }
    return hash
  }
}

/// Reads little-endian integers from untrusted bytes, throwing at the end instead of trapping.
struct HNSWByteReader {
  let bytes: UnsafeRawBufferPointer
  var offset = 0

  mutating func uint32() throws(IndexFormatError) -> UInt32 {
    guard bytes.count - offset >= 4 else { throw IndexFormatError("HNSW: truncated at byte \(offset)") }
    defer { offset += 4 }
    return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  mutating func uint64() throws(IndexFormatError) -> UInt64 {
    guard bytes.count - offset >= 8 else { throw IndexFormatError("HNSW: truncated at byte \(offset)") }
    defer { offset += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }
}

extension [UInt8] {
  mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}
