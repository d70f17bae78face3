import CKernels

/// Exact search over every row, through the CPU's best kernel: the FLAT index, and the yardstick
/// the benchmark and the tests compare ANN indexes with. It keeps no structure of its own.
public final class FlatIndex: VectorIndex {
  public let vectors: VectorRows
  public let metric: IndexMetric
  public var typeName: String { "FLAT" }
  public var count: Int { vectors.count }
  public var memoryBytes: Int { 0 }

  public init(vectors: VectorRows, metric: IndexMetric) {
    self.vectors = vectors
    self.metric = metric
  }

  public func search(_ query: UnsafePointer<Float>, k: Int, params: IndexSearchParams, allowed: RowBitset?)
    -> [IndexHit]
  {
    let dim = vectors.dim
    let rows = vectors.count
    let block = 1024
    var scores = [Float](repeating: 0, count: block)
    var best: [IndexHit] = []
    best.reserveCapacity(k + 1)
    var worst = Float.infinity
    vectors.withBase { base in
      scores.withUnsafeMutableBufferPointer { out in
        var start = 0
        while start < rows {
          let end = min(start + block, rows)
          switch metric {
          case .l2: vs_l2sq_rows(query, base + start * dim, end - start, dim, out.baseAddress!)
          case .innerProduct: vs_dot_rows(query, base + start * dim, end - start, dim, out.baseAddress!)
          }
          for row in start..<end {
            let score = metric == .l2 ? out[row - start] : -out[row - start]
            guard best.count < k || score < worst else { continue }
            if let allowed, !allowed.contains(row) { continue }
            let hit = IndexHit(row: Int32(row), score: score)
            // Sorted insertion: k is small next to the row count.
            var position = best.count
            while position > 0 && best[position - 1].score > score { position -= 1 }
            best.insert(hit, at: position)
            if best.count > k { best.removeLast() }
            if best.count == k { worst = best[k - 1].score }
          }
          start = end
        }
      }
    }
    return best
  }

  public func encode() -> [UInt8] { [] }
}
