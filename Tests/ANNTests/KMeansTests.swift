import XCTest

@testable import ANN

final class KMeansTests: XCTestCase {
  private let dim = 32

  private func train(
    _ data: ContiguousArray<Float>, k: Int, seed: UInt64, start: KMeans.Start = .sampled, iterations: Int = 10
  ) -> ContiguousArray<Float> {
    data.withUnsafeBufferPointer {
      try! KMeans(k: k, iterations: iterations, seed: seed, start: start).train(
        $0.baseAddress!, count: data.count / dim, dim: dim)
    }
  }

  private func assign(_ data: ContiguousArray<Float>, centroids: ContiguousArray<Float>) -> [Int32] {
    var out = [Int32](repeating: -1, count: data.count / dim)
    data.withUnsafeBufferPointer { rows in
      centroids.withUnsafeBufferPointer { centres in
        out.withUnsafeMutableBufferPointer {
          try! KMeans.assign(
            rows.baseAddress!, count: data.count / dim, dim: dim, centroids: centres.baseAddress!,
            k: centroids.count / dim, metric: .l2, into: $0.baseAddress!)
        }
      }
    }
    return out
  }

  func testSameSeedGivesSameCentroids() {
    let data = clusteredVectors(count: 3000, dim: dim, clusters: 20, seed: 7)
    for start in [KMeans.Start.sampled, .plusPlus] {
      let first = train(data, k: 16, seed: 99, start: start)
      XCTAssertEqual(first, train(data, k: 16, seed: 99, start: start))
      XCTAssertNotEqual(first, train(data, k: 16, seed: 100, start: start))
    }
  }

  func testAssignmentMatchesBruteForce() {
    let data = clusteredVectors(count: 1000, dim: dim, clusters: 10, seed: 3)
    let centroids = train(data, k: 37, seed: 1)
    let assigned = assign(data, centroids: centroids)
    for row in 0..<1000 {
      var best = (Float.infinity, -1)
      for centre in 0..<37 {
        var distance: Float = 0
        for index in 0..<dim {
          let delta = data[row * dim + index] - centroids[centre * dim + index]
          distance += delta * delta
        }
        if distance < best.0 { best = (distance, centre) }
      }
      // Different summation orders may only swap near-ties.
      if Int(assigned[row]) != best.1 {
        var chosen: Float = 0
        for index in 0..<dim {
          let delta = data[row * dim + index] - centroids[Int(assigned[row]) * dim + index]
          chosen += delta * delta
        }
        XCTAssertEqual(chosen, best.0, accuracy: 1e-3 * best.0, "row \(row)")
      }
    }
  }

  /// Well-separated clusters (centres spread 4 per dimension, points spread 1, 32 dimensions):
  /// k-means++ with k = number of clusters puts each true cluster under exactly one centroid.
  func testRecoversSeparatedClusters() {
    let clusters = 12
    let data = clusteredVectors(count: 4000, dim: dim, clusters: clusters, seed: 11)
    // The true cluster of each row: the generator's centre it was drawn around is the nearest one,
    // so group rows by a brute-force nearest centre of the generator (recomputed from the data:
    // rows of one cluster are within a few units of each other, clusters ~32 units apart).
    let centroids = train(data, k: clusters, seed: 5, start: .plusPlus)
    let assigned = assign(data, centroids: centroids)
    // Reference labelling: connect each row to the first row within distance 12 (same cluster).
    var label = [Int](repeating: -1, count: 4000)
    var representatives: [Int] = []
    for row in 0..<4000 {
      for (cluster, representative) in representatives.enumerated() {
        var distance: Float = 0
        for index in 0..<dim {
          let delta = data[row * dim + index] - data[representative * dim + index]
          distance += delta * delta
        }
        if distance < 144 {
          label[row] = cluster
          break
        }
      }
      if label[row] < 0 {
        label[row] = representatives.count
        representatives.append(row)
      }
    }
    XCTAssertEqual(representatives.count, clusters, "the data should have \(clusters) separated clusters")
    var centroidOfCluster = [Int32](repeating: -1, count: clusters)
    for row in 0..<4000 {
      if centroidOfCluster[label[row]] < 0 { centroidOfCluster[label[row]] = assigned[row] }
      XCTAssertEqual(assigned[row], centroidOfCluster[label[row]], "row \(row) split from its cluster")
    }
    XCTAssertEqual(Set(centroidOfCluster).count, clusters, "two clusters share a centroid")
  }

  func testNoEmptyClusters() {
    // Many centroids for few, tightly clustered rows: random starts leave clusters empty, which the
    // FAISS-style split must repair.
    let data = clusteredVectors(count: 2000, dim: dim, clusters: 4, seed: 21)
    for start in [KMeans.Start.sampled, .plusPlus] {
      let centroids = train(data, k: 100, seed: 2, start: start)
      let assigned = assign(data, centroids: centroids)
      var sizes = [Int](repeating: 0, count: 100)
      for centre in assigned { sizes[Int(centre)] += 1 }
      XCTAssertEqual(sizes.filter { $0 == 0 }.count, 0, "empty clusters with \(start)")
    }
  }

  func testFewerRowsThanCentroidsAndCancellation() throws {
    let data = clusteredVectors(count: 5, dim: dim, clusters: 2, seed: 1)
    let centroids = train(data, k: 8, seed: 1)
    XCTAssertEqual(centroids.count, 8 * dim)
    XCTAssertEqual(Array(centroids[0..<dim]), Array(data[0..<dim]))
    let control = BuildControl()
    control.cancel()
    let many = clusteredVectors(count: 500, dim: dim, clusters: 4, seed: 1)
    XCTAssertThrowsError(
      try many.withUnsafeBufferPointer {
        try KMeans(k: 4, seed: 1).train($0.baseAddress!, count: 500, dim: dim, control: control)
      }
    ) { XCTAssertTrue($0 is BuildCancelled) }
  }
}
