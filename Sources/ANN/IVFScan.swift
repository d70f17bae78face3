import CKernels

/// One query's scan of IVF lists: the per-query tables, and the per-list scoring of rows.
struct ListScan {
  let index: IVFIndex
  let query: UnsafePointer<Float>
  let queryNorm: Float
  /// SQ8: dim weights + dim offsets; PQ: m · ksub query dot products + m · ksub list table.
  let tables: UnsafeMutablePointer<Float>
  /// Room for the largest list's raw scores.
  let scores: UnsafeMutablePointer<Float>
  let allowed: RowBitset?

  /// SQ8 with IP: the score's constant part `Σ q_j (min_j + step_j / 2)`.
  private var sqConstant: Float = 0

  init(
    index: IVFIndex, query: UnsafePointer<Float>, queryNorm: Float,
    tables: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>, allowed: RowBitset?
  ) {
    self.index = index
    self.query = query
    self.queryNorm = queryNorm
    self.tables = tables
    self.scores = scores
    self.allowed = allowed
  }

  /// Builds the tables that do not depend on the list.
  mutating func prepare() {
    let quantizer = index.quantizer
    let dim = quantizer.dim
    switch quantizer.kind {
    case .flat:
      break
    case .sq8:
      // q · decode(code) = Σ q_j (min_j + (code_j + 1/2) step_j) = constant + Σ (q_j step_j) code_j
      var constant: Float = 0
      quantizer.sqMinimum.withUnsafeBufferPointer { minimum in
        quantizer.sqStep.withUnsafeBufferPointer { step in
          for index in 0..<dim {
            tables[index] = query[index] * step[index]
            constant += query[index] * (minimum[index] + 0.5 * step[index])
          }
        }
      }
      sqConstant = constant
    case .pq:
      let (m, ksub, subDim, stride) = (
        quantizer.pqM, quantizer.pqCentroids, quantizer.pqSubDim, quantizer.pqPanelStride
      )
      if quantizer.pqHalfPanels.isEmpty {
        quantizer.pqPanels.withUnsafeBufferPointer { panels in
          for sub in 0..<m {
            vs_ivf_dot_panels(
              query + sub * subDim, 1, subDim, panels.baseAddress! + sub * stride, ksub, tables + sub * ksub)
          }
        }
      } else {
        quantizer.pqHalfPanels.withUnsafeBufferPointer { panels in
          for sub in 0..<m {
            vs_ivf_dot_panels_f16(
              query + sub * subDim, subDim, panels.baseAddress! + sub * stride, ksub, tables + sub * ksub)
          }
        }
      }
    }
  }

  /// Scans the lists in `probes` (a heap's labels) into `best`.
  func scan(lists probes: UnsafePointer<Int32>, count probeCount: Int, into best: inout BoundedHeap) {
    let quantizer = index.quantizer
    let dim = quantizer.dim
    let metric = quantizer.metric
    let sparse = allowed.map { $0.setCount * 8 < index.count } ?? false
    let words = allowed?.words ?? []
    let allowedCount = allowed?.count ?? 0
    let filtered = allowed != nil
    index.listOffsets.withUnsafeBufferPointer { offsets in
      index.rowIds.withUnsafeBufferPointer { rowIds in
        index.codes.withUnsafeBufferPointer { codes in
          index.vectors.withUnsafeBufferPointer { vectors in
            quantizer.centroids.withUnsafeBufferPointer { centroids in
              words.withUnsafeBufferPointer { words in
                for probe in 0..<probeCount {
                  let list = Int(probes[probe])
                  let start = offsets[list]
                  let rows = offsets[list + 1] - start
                  if rows == 0 { continue }
                  // score = bias + sign · raw, raw from `compute(first, count, out)`.
                  var bias: Float = 0
                  var sign: Float = metric == .l2 ? 1 : -1
                  let compute: (Int, Int, UnsafeMutablePointer<Float>) -> Void
                  switch quantizer.kind {
                  case .flat:
                    let data = vectors.baseAddress! + start * dim
                    if metric == .l2 {
                      compute = { first, count, out in vs_l2sq_rows(query, data + first * dim, count, dim, out) }
                    } else {
                      compute = { first, count, out in vs_dot_rows(query, data + first * dim, count, dim, out) }
                    }
                  case .sq8:
                    let data = codes.baseAddress! + start * dim
                    let tables = tables
                    if metric == .l2 {
                      // ||q - c - decode(code)||² = Σ (q_j - c_j - min_j - step_j / 2 - step_j code_j)²
                      let centre = centroids.baseAddress! + list * dim
                      let offset = tables + dim
                      quantizer.sqMinimum.withUnsafeBufferPointer { minimum in
                        quantizer.sqStep.withUnsafeBufferPointer { step in
                          for index in 0..<dim {
                            offset[index] = query[index] - centre[index] - minimum[index] - 0.5 * step[index]
                          }
                        }
                      }
                      let step = quantizer.sqStep.withUnsafeBufferPointer { $0.baseAddress! }
                      compute = { first, count, out in
                        vs_ivf_sq8_l2_rows(offset, step, data + first * dim, count, dim, out)
                      }
                    } else {
                      bias = -(vs_dot(query, centroids.baseAddress! + list * dim, dim) + sqConstant)
                      compute = { first, count, out in vs_ivf_sq8_dot_rows(tables, data + first * dim, count, dim, out)
                      }
                    }
                  case .pq:
                    let (m, ksub) = (quantizer.pqM, quantizer.pqCentroids)
                    let data = codes.baseAddress! + start * m
                    var table = UnsafePointer(tables)
                    let centreDot = vs_dot(query, centroids.baseAddress! + list * dim, dim)
                    if metric == .l2 {
                      // ||q - c - r||² = ||q - c||² + Σ_j (||r_j||² + 2 c_j·r_j - 2 q_j·r_j)
                      let listTable = tables + m * ksub
                      quantizer.pqListTerms.withUnsafeBufferPointer { terms in
                        vs_ivf_madd(terms.baseAddress! + list * m * ksub, -2, tables, m * ksub, listTable)
                      }
                      table = UnsafePointer(listTable)
                      bias = queryNorm + quantizer.coarse.bias[list] - 2 * centreDot
                      sign = 1
                    } else {
                      bias = -centreDot
                    }
                    compute = { first, count, out in vs_ivf_pq_scan(table, ksub, data + first * m, count, m, out) }
                  }
                  let ids = rowIds.baseAddress! + start
                  if sparse {
                    for position in 0..<rows {
                      let row = Int(ids[position])
                      guard row < allowedCount, words[row >> 6] & (1 << UInt64(row & 63)) != 0 else { continue }
                      compute(position, 1, scores + position)
                      best.push(bias + sign * scores[position], Int32(row))
                    }
                    continue
                  }
                  compute(0, rows, scores)
                  for position in 0..<rows {
                    let score = bias + sign * scores[position]
                    if !best.admits(score) { continue }
                    let row = ids[position]
                    if filtered {
                      let bit = Int(row)
                      guard bit < allowedCount, words[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { continue }
                    }
                    best.push(score, row)
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
