import Dispatch
import Model

/// One scored row during a search.
struct Candidate {
  /// The distance as Milvus reports it.
  var distance: Float
  /// Smaller is better: the distance for L2, its negation for IP and COSINE.
  var score: Float
  var segment: Int32
  var row: Int32
}

/// Exact (FLAT) search: every allowed row of every segment, for every query, across all cores.
///
/// Work is split into (query, block of rows) tasks so that one query over many rows and many
/// queries over few rows both use every core; each task keeps a bounded heap of its best `k`,
/// and the heaps of one query are merged at the end. Ties are broken by primary key, so results
/// are deterministic whatever the split.
///
/// `@unchecked Sendable`: the scan only reads its segments, and the backend actor keeps writers
/// out while it runs.
struct FlatScan: @unchecked Sendable {
  let segments: [Segment]
  /// Per segment, which rows are live and pass the filter.
  let masks: [[Bool]]
  let column: Int
  let dim: Int
  let metric: Metric
  let k: Int

  static let blockRows = 16_384

  private struct Block: Sendable {
    var segment: Int
    var start: Int
    var end: Int
  }

  func run(queries: [[Float]]) -> [[Candidate]] {
    var allBlocks: [Block] = []
    for (index, segment) in segments.enumerated() {
      var start = 0
      while start < segment.count {
        let end = min(start + Self.blockRows, segment.count)
        allBlocks.append(Block(segment: index, start: start, end: end))
        start = end
      }
    }
    let blocks = allBlocks
    guard !blocks.isEmpty, !queries.isEmpty else { return queries.map { _ in [] } }
    let taskCount = queries.count * blocks.count
    var partial = [[Candidate]](repeating: [], count: taskCount)
    partial.withUnsafeMutableBufferPointer { buffer in
      // Each task writes only its own slot.
      let results = UncheckedSendable(buffer)
      let work: @Sendable (Int) -> Void = { task in
        let query = queries[task / blocks.count]
        let block = blocks[task % blocks.count]
        results.value[task] = scan(query: query, block: block)
      }
      if taskCount == 1 {
        work(0)
      } else {
        DispatchQueue.concurrentPerform(iterations: taskCount, execute: work)
      }
    }
    return queries.indices.map { query in
      var merged: [Candidate] = []
      for block in blocks.indices { merged.append(contentsOf: partial[query * blocks.count + block]) }
      merged.sort(by: isBetter)
      return Array(merged.prefix(k))
    }
  }

  /// Whether `a` ranks before `b`: better score, then smaller primary key.
  func isBetter(_ a: Candidate, _ b: Candidate) -> Bool {
    if a.score != b.score { return a.score < b.score }
    return segments[Int(a.segment)].primaryKeys[Int(a.row)] < segments[Int(b.segment)].primaryKeys[Int(b.row)]
  }

  private func scan(query: [Float], block: Block) -> [Candidate] {
    let segment = segments[block.segment]
    let mask = masks[block.segment]
    var heap = BoundedHeap(capacity: k, isBetter: isBetter)
    let metric = metric
    let dim = dim
    let queryNorm = query.withUnsafeBufferPointer { Distance.norm($0.baseAddress!, count: dim) }
    query.withUnsafeBufferPointer { queryBuffer in
      segment.vectors[column].withUnsafeBufferPointer { base in
        segment.norms[column].withUnsafeBufferPointer { norms in
          let q = queryBuffer.baseAddress!
          for row in block.start..<block.end where mask[row] {
            let x = base.baseAddress! + row * dim
            let distance: Float
            switch metric {
            case .l2: distance = Distance.l2Squared(q, x, count: dim)
            case .ip: distance = Distance.dot(q, x, count: dim)
            case .cosine:
              let denominator = queryNorm * norms[row]
              distance = denominator > 0 ? Distance.dot(q, x, count: dim) / denominator : 0
            }
            let score = metric == .l2 ? distance : -distance
            heap.offer(Candidate(distance: distance, score: score, segment: Int32(block.segment), row: Int32(row)))
          }
        }
      }
    }
    return heap.elements
  }
}

/// Keeps the best `capacity` elements seen; the worst of them sits at the root.
struct BoundedHeap {
  let capacity: Int
  let isBetter: (Candidate, Candidate) -> Bool
  private(set) var elements: [Candidate] = []

  init(capacity: Int, isBetter: @escaping (Candidate, Candidate) -> Bool) {
    self.capacity = capacity
    self.isBetter = isBetter
    elements.reserveCapacity(capacity)
  }

  mutating func offer(_ candidate: Candidate) {
    if elements.count < capacity {
      elements.append(candidate)
      siftUp(elements.count - 1)
    } else if capacity > 0, candidate.score <= elements[0].score, isBetter(candidate, elements[0]) {
      elements[0] = candidate
      siftDown(0)
    }
  }

  private mutating func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      // The root holds the worst: a child that is worse than its parent moves up.
      guard isBetter(elements[parent], elements[child]) else { return }
      elements.swapAt(parent, child)
      child = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var worst = parent
      if left < elements.count, isBetter(elements[worst], elements[left]) { worst = left }
      if right < elements.count, isBetter(elements[worst], elements[right]) { worst = right }
      if worst == parent { return }
      elements.swapAt(parent, worst)
      parent = worst
    }
  }
}

/// Hands a value to concurrent code whose access pattern the compiler cannot check.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
