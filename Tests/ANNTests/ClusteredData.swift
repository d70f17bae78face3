import ANN
import Foundation

/// A small, seeded random generator (SplitMix64), so test data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A standard normal sample (Box–Muller).
  mutating func gaussian() -> Float {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let u2 = Double.random(in: 0..<1, using: &self)
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }
}

/// `count` vectors of `dim` floats around `clusters` random centres (spread 1, centres spread 4),
/// row-major; deterministic for a seed.
func clusteredVectors(count: Int, dim: Int, clusters: Int, seed: UInt64) -> ContiguousArray<Float> {
  var generator = SeededGenerator(seed: seed)
  var centres = [Float]()
  for _ in 0..<(clusters * dim) { centres.append(4 * generator.gaussian()) }
  var rows = ContiguousArray<Float>()
  rows.reserveCapacity(count * dim)
  for _ in 0..<count {
    let centre = Int(generator.next() % UInt64(clusters))
    for index in 0..<dim { rows.append(centres[centre * dim + index] + generator.gaussian()) }
  }
  return rows
}

/// Exact top-`k` rows for each query by brute force (scalar arithmetic), best first; ties by row.
func exactNeighbours(
  base: ContiguousArray<Float>, queries: ContiguousArray<Float>, dim: Int, k: Int, metric: IndexMetric,
  allowed: RowBitset? = nil
) -> [[Int32]] {
  let rows = base.count / dim
  return (0..<(queries.count / dim)).map { query in
    var scored: [(Float, Int32)] = []
    for row in 0..<rows where allowed?.contains(row) ?? true {
      var score: Float = 0
      for index in 0..<dim {
        let a = queries[query * dim + index]
        let b = base[row * dim + index]
        switch metric {
        case .l2: score += (a - b) * (a - b)
        case .innerProduct: score -= a * b
        }
      }
      scored.append((score, Int32(row)))
    }
    scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    return scored.prefix(k).map(\.1)
  }
}

/// Mean fraction of the true top-k found.
func recall(found: [[Int32]], truth: [[Int32]], k: Int) -> Double {
  var total = 0.0
  for (f, t) in zip(found, truth) {
    total += Double(Set(f.prefix(k)).intersection(t.prefix(k)).count) / Double(k)
  }
  return total / Double(truth.count)
}
