import CKernels
import Dispatch
import Synchronization

/// Lloyd's k-means as FAISS's `Clustering` runs it: a seeded sample of at most
/// `maxPointsPerCentroid · k` training rows, centroids started at distinct sampled rows, a fixed
/// number of iterations, and empty clusters repaired by splitting a populous one.
public struct KMeans: Sendable {
  /// Number of centroids.
  public var k: Int
  /// Assignment iterations (FAISS: 10 for IVF's coarse quantizer, 25 for PQ sub-quantizers).
  public var iterations: Int
  /// How rows pick their centroid: nearest in L2, or largest inner product (FAISS's IP clustering,
  /// whose centroids stay plain means).
  public var metric: IndexMetric
  /// The training sample is capped at this many rows per centroid (FAISS: 256).
  public var maxPointsPerCentroid: Int
  public var seed: UInt64
  /// How the centroids start.
  public var start: Start

  /// Where the centroids start.
  public enum Start: Sendable {
    /// Distinct random sample rows (FAISS's default).
    case sampled
    /// k-means++: each next centroid a sample row drawn with probability ∝ squared L2 distance to
    /// the nearest centroid so far.
    case plusPlus
  }

  public init(
    k: Int, iterations: Int = 10, metric: IndexMetric = .l2, maxPointsPerCentroid: Int = 256, seed: UInt64,
    start: Start = .sampled
  ) {
    precondition(k > 0, "k-means needs at least one centroid")
    self.start = start
    self.k = k
    self.iterations = iterations
    self.metric = metric
    self.maxPointsPerCentroid = maxPointsPerCentroid
    self.seed = seed
  }

  /// Trains on `count` row-major rows of `dim` floats and returns `k · dim` centroid floats.
  ///
  /// With fewer rows than centroids, every row becomes a centroid and the rest repeat rows
  /// (zeros without rows); their clusters stay empty.
  public func train(
    _ rows: UnsafePointer<Float>, count: Int, dim: Int, control: BuildControl? = nil
  ) throws(BuildCancelled) -> ContiguousArray<Float> {
    var random = SplitMix64(seed: seed)
    if count <= k {
      var centroids = ContiguousArray<Float>(repeating: 0, count: k * dim)
      if count > 0 {
        for centroid in 0..<k {
          let source = rows + (centroid % count) * dim
          for index in 0..<dim { centroids[centroid * dim + index] = source[index] }
        }
      }
      return centroids
    }
    // The training sample: all rows, or a seeded random subset in row order.
    let sampleCount = Swift.min(count, k * maxPointsPerCentroid)
    var sample = ContiguousArray<Float>()
    if sampleCount < count {
      let chosen = random.distinctIndices(sampleCount, from: count).sorted()
      sample.reserveCapacity(sampleCount * dim)
      for row in chosen { sample.append(contentsOf: UnsafeBufferPointer(start: rows + row * dim, count: dim)) }
    }
    let k = k
    var centroids = ContiguousArray<Float>(repeating: 0, count: k * dim)
    let start = start
    let body: (UnsafePointer<Float>) throws(BuildCancelled) -> Void = { data throws(BuildCancelled) in
      let starts: [Int]
      switch start {
      case .sampled: starts = random.distinctIndices(k, from: sampleCount)
      case .plusPlus:
        starts = try KMeans.plusPlusStarts(data, count: sampleCount, dim: dim, k: k, random: &random, control: control)
      }
      centroids.withUnsafeMutableBufferPointer { out in
        for (centroid, row) in starts.enumerated() {
          (out.baseAddress! + centroid * dim).update(from: data + row * dim, count: dim)
        }
      }
      var assignment = [Int32](repeating: 0, count: sampleCount)
      var sizes = [Double](repeating: 0, count: k)
      for _ in 0..<iterations {
        if control?.isCancelled == true { throw BuildCancelled() }
        try centroids.withUnsafeBufferPointer { (centres) throws(BuildCancelled) in
          try assignment.withUnsafeMutableBufferPointer { (out) throws(BuildCancelled) in
            try KMeans.assign(
              data, count: sampleCount, dim: dim, centroids: centres.baseAddress!, k: k, metric: metric,
              into: out.baseAddress!, control: control)
          }
        }
        KMeans.updateCentroids(
          data, count: sampleCount, dim: dim, assignment: assignment, centroids: &centroids, sizes: &sizes)
        KMeans.splitEmptyClusters(dim: dim, count: sampleCount, centroids: &centroids, sizes: &sizes, random: &random)
      }
    }
    if sampleCount < count {
      try sample.withUnsafeBufferPointer { (buffer) throws(BuildCancelled) in try body(buffer.baseAddress!) }
    } else {
      try body(rows)
    }
    return centroids
  }

  /// Writes each row's centroid (nearest in L2 or largest inner product; ties to the smaller index)
  /// into `assignment`, in parallel over blocks of rows; checks `control` between blocks.
  public static func assign(
    _ rows: UnsafePointer<Float>, count: Int, dim: Int, centroids: UnsafePointer<Float>, k: Int, metric: IndexMetric,
    into assignment: UnsafeMutablePointer<Int32>, control: BuildControl? = nil,
    progress: Bool = false
  ) throws(BuildCancelled) {
    let panels = CentroidPanels(centroids, k: k, dim: dim, metric: metric)
    try panels.assign(rows, count: count, into: assignment, distances: nil, control: control, progress: progress)
  }

  /// k-means++ seeding: the sample rows that start the centroids.
  static func plusPlusStarts(
    _ rows: UnsafePointer<Float>, count: Int, dim: Int, k: Int, random: inout SplitMix64, control: BuildControl?
  ) throws(BuildCancelled) -> [Int] {
    var starts = [Int(random.next() % UInt64(count))]
    var nearest = [Float](repeating: .infinity, count: count)
    var distances = [Float](repeating: 0, count: count)
    let block = 4096
    let blocks = (count + block - 1) / block
    while starts.count < k {
      if control?.isCancelled == true { throw BuildCancelled() }
      let centre = Unchecked(rows + starts.last! * dim)
      nearest.withUnsafeMutableBufferPointer { nearest in
        distances.withUnsafeMutableBufferPointer { distances in
          let shared = Unchecked((rows, nearest.baseAddress!, distances.baseAddress!))
          parallelFor(blocks) { index in
            let (rows, nearest, distances) = shared.value
            let first = index * block
            let rowsHere = Swift.min(block, count - first)
            vs_l2sq_rows(centre.value, rows + first * dim, rowsHere, dim, distances + first)
            for row in first..<(first + rowsHere) { nearest[row] = Swift.min(nearest[row], distances[row]) }
          }
        }
      }
      var total = 0.0
      for value in nearest { total += Double(value) }
      guard total > 0 else {
        // Every row coincides with a centroid: start the rest at distinct random rows.
        let chosen = Set(starts)
        let rest = random.distinctIndices(count, from: count).filter { !chosen.contains($0) }
        starts += rest.prefix(k - starts.count)
        while starts.count < k { starts.append(starts[starts.count % chosen.count]) }
        break
      }
      var target = random.nextUnit() * total
      var pick = count - 1
      for row in 0..<count {
        target -= Double(nearest[row])
        if target < 0 {
          pick = row
          break
        }
      }
      starts.append(pick)
    }
    return starts
  }

  static func updateCentroids(
    _ rows: UnsafePointer<Float>, count: Int, dim: Int, assignment: [Int32], centroids: inout ContiguousArray<Float>,
    sizes: inout [Double]
  ) {
    let k = sizes.count
    var sums = [Double](repeating: 0, count: k * dim)
    for index in 0..<k { sizes[index] = 0 }
    sums.withUnsafeMutableBufferPointer { sum in
      for row in 0..<count {
        let cluster = Int(assignment[row])
        sizes[cluster] += 1
        let target = sum.baseAddress! + cluster * dim
        let source = rows + row * dim
        for index in 0..<dim { target[index] += Double(source[index]) }
      }
    }
    for cluster in 0..<k where sizes[cluster] > 0 {
      let scale = 1 / sizes[cluster]
      for index in 0..<dim { centroids[cluster * dim + index] = Float(sums[cluster * dim + index] * scale) }
    }
  }

  /// FAISS's repair: an empty cluster takes a copy of a donor picked with probability growing with
  /// its size (the largest after too many tries), both nudged apart, and half the donor's rows.
  static func splitEmptyClusters(
    dim: Int, count: Int, centroids: inout ContiguousArray<Float>, sizes: inout [Double], random: inout SplitMix64
  ) {
    let k = sizes.count
    let epsilon: Float = 1 / 1024
    for empty in 0..<k where sizes[empty] == 0 {
      var donor = -1
      var candidate = 0
      for _ in 0..<(10 * k) {
        let probability = (sizes[candidate] - 1) / Double(count - k)
        if random.nextUnit() < probability {
          donor = candidate
          break
        }
        candidate = (candidate + 1) % k
      }
      if donor < 0 { donor = sizes.indices.max { sizes[$0] < sizes[$1] }! }
      for index in 0..<dim {
        let value = centroids[donor * dim + index]
        let up = index % 2 == 0
        centroids[empty * dim + index] = value * (up ? 1 + epsilon : 1 - epsilon)
        centroids[donor * dim + index] = value * (up ? 1 - epsilon : 1 + epsilon)
      }
      sizes[empty] = sizes[donor] / 2
      sizes[donor] -= sizes[empty]
    }
  }
}

/// Centroids packed for the assignment kernel, with the bias that turns dot products into scores.
struct CentroidPanels: Sendable {
  let panels: ContiguousArray<Float>
  /// `||c||²` for L2 (score `||c||² - 2·x·c`), zero for IP (score `-x·c`).
  let bias: ContiguousArray<Float>
  let k: Int
  let dim: Int
  let metric: IndexMetric

  init(_ centroids: UnsafePointer<Float>, k: Int, dim: Int, metric: IndexMetric) {
    self.k = k
    self.dim = dim
    self.metric = metric
    panels = ContiguousArray(unsafeUninitializedCapacity: vs_ivf_panel_floats(k, dim)) { buffer, initialized in
      vs_ivf_pack_panels(centroids, k, dim, buffer.baseAddress!)
      initialized = buffer.count
    }
    bias = ContiguousArray((0..<k).map { metric == .l2 ? vs_dot(centroids + $0 * dim, centroids + $0 * dim, dim) : 0 })
  }

  var scale: Float { metric == .l2 ? 2 : 1 }

  /// `out[c] = x · c` for every centroid.
  func dots(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    panels.withUnsafeBufferPointer { vs_ivf_dot_panels(x, 1, dim, $0.baseAddress!, k, out) }
  }

  /// Nearest centroid of each row (ties to the smaller index), in parallel over blocks of rows.
  /// `distances` (optional) receives the score `bias - scale · dot`. With `progress`, advances `control`.
  func assign(
    _ rows: UnsafePointer<Float>, count: Int, into assignment: UnsafeMutablePointer<Int32>,
    distances: UnsafeMutablePointer<Float>?, control: BuildControl?, progress: Bool = false
  ) throws(BuildCancelled) {
    let block = 256
    let blocks = (count + block - 1) / block
    let cancelled = Atomic<Bool>(false)
    let scale = scale
    let k = k
    let dim = dim
    panels.withUnsafeBufferPointer { panels in
      bias.withUnsafeBufferPointer { bias in
        let shared = Unchecked((rows, panels.baseAddress!, bias.baseAddress!, assignment, distances))
        parallelFor(blocks) { index in
          if cancelled.load(ordering: .relaxed) { return }
          if control?.isCancelled == true {
            cancelled.store(true, ordering: .relaxed)
            return
          }
          let (rows, panels, bias, assignment, distances) = shared.value
          let start = index * block
          let rowsHere = Swift.min(block, count - start)
          let status = vs_ivf_nearest(
            rows + start * dim, rowsHere, dim, panels, k, bias, scale, assignment + start, distances.map { $0 + start })
          precondition(status == 0, "out of memory in k-means assignment")
          if progress { control?.advance(by: rowsHere) }
        }
      }
    }
    if cancelled.load(ordering: .relaxed) { throw BuildCancelled() }
  }
}

/// A value moved across threads whose safety the caller guarantees (disjoint writes through pointers).
struct Unchecked<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// Runs `body(0..<iterations)` on all cores (inline for a single iteration).
func parallelFor(_ iterations: Int, _ body: @Sendable (Int) -> Void) {
  if iterations <= 1 {
    for index in 0..<iterations { body(index) }
  } else {
    DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
  }
}

/// SplitMix64: a small seeded generator, so training is reproducible.
struct SplitMix64: RandomNumberGenerator, Sendable {
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
  mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// `wanted` distinct indices of 0..<total in random order (a partial Fisher–Yates shuffle).
  mutating func distinctIndices(_ wanted: Int, from total: Int) -> [Int] {
    var permutation = Array(0..<total)
    for index in 0..<Swift.min(wanted, total) {
      let other = index + Int(next() % UInt64(total - index))
      permutation.swapAt(index, other)
    }
    return Array(permutation.prefix(wanted))
  }
}
