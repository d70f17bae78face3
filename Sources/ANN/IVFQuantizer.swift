import CKernels

/// How an IVF index stores the rows of its lists (Milvus's IVF_FLAT, IVF_SQ8, IVF_PQ).
public enum IVFKind: Sendable, Equatable {
  /// The vectors themselves.
  case flat
  /// One byte per dimension: the residual to the list's centroid, scaled per dimension between the
  /// trained minimum and maximum (FAISS's QT_8bit with `by_residual`).
  case sq8
  /// `m` sub-quantizer codes of `nbits` (1...8; stored one byte each) for the residual to the
  /// list's centroid (FAISS's IndexIVFPQ with `by_residual`). `m` must divide the dimension.
  case pq(m: Int, nbits: Int)
}

/// The trained part of an IVF index: the coarse centroids and the code book of the list encoding.
///
/// A quantizer is immutable and shared: indexes for later segments are built with the same quantizer,
/// which assigns their rows to the existing centroids.
public final class IVFQuantizer: Sendable {
  public let kind: IVFKind
  public let metric: IndexMetric
  public let dim: Int
  /// Number of lists (coarse centroids).
  public let nlist: Int
  /// `nlist · dim` centroid floats, row-major.
  public let centroids: ContiguousArray<Float>
  let coarse: CentroidPanels
  /// The centroids as half-float panels for choosing lists (half the memory traffic per query);
  /// empty when a centroid value is outside the half-float range. Scores use the float centroids.
  let coarseHalf: ContiguousArray<UInt16>
  /// On CPUs with 8-bit dot products: the centroids as signed bytes (`value ≈ coarseCodeScale · code`)
  /// and each centroid's code sum, to shortlist lists before exact scoring; empty otherwise.
  let coarseCodes: ContiguousArray<Int8>
  let coarseCodeScale: Float
  let coarseCodeSums: ContiguousArray<Int32>
  /// SQ8: per-dimension minimum of the training residuals, and the step `(max - min) / 255`.
  let sqMinimum: ContiguousArray<Float>
  let sqStep: ContiguousArray<Float>
  /// PQ: sub-quantizers, centroids per sub-quantizer, floats per sub-vector.
  let pqM: Int
  let pqBits: Int
  let pqCentroids: Int
  let pqSubDim: Int
  /// PQ: `m · ksub · dsub` code-book floats, sub-quantizer by sub-quantizer.
  let pqCodebooks: ContiguousArray<Float>
  /// PQ: every sub-quantizer's code book packed for the dot-product kernel, and `||codeword||²`.
  let pqPanels: ContiguousArray<Float>
  /// PQ: the same as half floats for the per-query tables (training rounds code books to half
  /// floats, so these are exact); empty when out of the half-float range.
  let pqHalfPanels: ContiguousArray<UInt16>
  let pqPanelStride: Int
  let pqNorms: ContiguousArray<Float>
  /// PQ with L2 (FAISS's precomputed table): `||r||² + 2 c·r` for each list, sub-quantizer and code word
  /// r (c is the list centroid's sub-vector), so a query's per-list table is this plus `-2 q·r`.
  let pqListTerms: ContiguousArray<Float>

  /// Bytes of one row's code in a list.
  public var codeSize: Int {
    switch kind {
    case .flat: return dim * MemoryLayout<Float>.size
    case .sq8: return dim
    case .pq: return pqM
    }
  }

  /// Bytes the quantizer's structures take (centroids, code books, tables).
  public var memoryBytes: Int {
    let floats =
      centroids.count + coarse.panels.count + coarse.bias.count + sqMinimum.count + sqStep.count + pqCodebooks.count
      + pqPanels.count + pqNorms.count + pqListTerms.count
    return floats * MemoryLayout<Float>.size + (coarseHalf.count + pqHalfPanels.count) * MemoryLayout<UInt16>.size
      + coarseCodes.count + coarseCodeSums.count * MemoryLayout<Int32>.size
  }

  init(
    kind: IVFKind, metric: IndexMetric, dim: Int, centroids: ContiguousArray<Float>,
    sqMinimum: ContiguousArray<Float> = [], sqStep: ContiguousArray<Float> = [],
    pqCodebooks: ContiguousArray<Float> = []
  ) {
    self.kind = kind
    self.metric = metric
    self.dim = dim
    self.nlist = centroids.count / dim
    self.centroids = centroids
    let nlist = nlist
    coarse = centroids.withUnsafeBufferPointer { CentroidPanels($0.baseAddress!, k: nlist, dim: dim, metric: metric) }
    coarseHalf = IVFQuantizer.halfPanels(centroids, rows: nlist, dim: dim)
    var codes = ContiguousArray<Int8>()
    var sums = ContiguousArray<Int32>()
    var codeScale: Float = 0
    if vs_ivf_has_i8() != 0 {
      codes = ContiguousArray(repeating: 0, count: vs_ivf_panel_bytes_i8(nlist, dim))
      sums = ContiguousArray(repeating: 0, count: nlist)
      codeScale = centroids.withUnsafeBufferPointer { values in
        codes.withUnsafeMutableBufferPointer { codes in
          sums.withUnsafeMutableBufferPointer {
            vs_ivf_pack_panels_i8(values.baseAddress!, nlist, dim, codes.baseAddress!, $0.baseAddress!)
          }
        }
      }
      if codeScale == 0 { (codes, sums) = ([], []) }
    }
    (coarseCodes, coarseCodeSums, coarseCodeScale) = (codes, sums, codeScale)
    self.sqMinimum = sqMinimum
    self.sqStep = sqStep
    self.pqCodebooks = pqCodebooks
    guard case .pq(let m, let nbits) = kind else {
      (pqM, pqBits, pqCentroids, pqSubDim, pqPanelStride) = (0, 0, 0, 0, 0)
      (pqPanels, pqNorms, pqListTerms, pqHalfPanels) = ([], [], [], [])
      return
    }
    let ksub = 1 << nbits
    let subDim = dim / m
    let stride = vs_ivf_panel_floats(ksub, subDim)
    (pqM, pqBits, pqCentroids, pqSubDim, pqPanelStride) = (m, nbits, ksub, subDim, stride)
    var panels = ContiguousArray<Float>(repeating: 0, count: m * stride)
    var norms = ContiguousArray<Float>(repeating: 0, count: m * ksub)
    pqCodebooks.withUnsafeBufferPointer { books in
      panels.withUnsafeMutableBufferPointer { panels in
        for sub in 0..<m {
          let book = books.baseAddress! + sub * ksub * subDim
          vs_ivf_pack_panels(book, ksub, subDim, panels.baseAddress! + sub * stride)
          for word in 0..<ksub { norms[sub * ksub + word] = vs_dot(book + word * subDim, book + word * subDim, subDim) }
        }
      }
    }
    pqPanels = panels
    pqNorms = norms
    var halfPanels = ContiguousArray<UInt16>()
    for sub in 0..<m {
      let book = ContiguousArray(pqCodebooks[(sub * ksub * subDim)..<((sub + 1) * ksub * subDim)])
      let half = IVFQuantizer.halfPanels(book, rows: ksub, dim: subDim)
      if half.isEmpty {
        halfPanels = []
        break
      }
      halfPanels.append(contentsOf: half)
    }
    pqHalfPanels = halfPanels
    guard metric == .l2 else {
      pqListTerms = []
      return
    }
    var terms = ContiguousArray<Float>(repeating: 0, count: nlist * m * ksub)
    terms.withUnsafeMutableBufferPointer { terms in
      centroids.withUnsafeBufferPointer { centres in
        panels.withUnsafeBufferPointer { panels in
          for list in 0..<nlist {
            for sub in 0..<m {
              let out = terms.baseAddress! + (list * m + sub) * ksub
              let centre = centres.baseAddress! + list * dim + sub * subDim
              vs_ivf_dot_panels(centre, 1, subDim, panels.baseAddress! + sub * stride, ksub, out)
              for word in 0..<ksub { out[word] = norms[sub * ksub + word] + 2 * out[word] }
            }
          }
        }
      }
    }
    pqListTerms = terms
  }

  /// Puts the `probes.capacity` best lists for `query` into `probes`. With 8-bit centroids, a
  /// shortlist of `nprobe + max(nprobe, 16)` lists by 8-bit dot products is re-scored exactly;
  /// otherwise all lists are scored from the half-float (or float) centroids.
  func chooseLists(_ query: UnsafePointer<Float>, into probes: inout BoundedHeap, scratch: UnsafeMutablePointer<Float>)
  {
    let scale = coarse.scale
    let shortlist = min(nlist, probes.capacity + max(probes.capacity, 16))
    var largest: Float = 0
    for index in 0..<dim { largest = max(largest, abs(query[index])) }
    if !coarseCodes.isEmpty && largest.isFinite && largest > 0 && shortlist < nlist {
      let paddedDim = (dim + 3) / 4 * 4
      let queryScale = largest / 127
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: paddedDim) { queryCodes in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: nlist + shortlist) { integers in
          for index in 0..<dim {
            let code = min(max((query[index] / queryScale).rounded(), -127), 127)
            queryCodes[index] = UInt8(Int(code) + 128)
          }
          for index in dim..<paddedDim { queryCodes[index] = 128 }
          let dots = integers.baseAddress!
          coarseCodes.withUnsafeBufferPointer {
            vs_ivf_dot_panels_i8(queryCodes.baseAddress!, dim, $0.baseAddress!, nlist, dots)
          }
          var candidates = BoundedHeap(scores: scratch, labels: dots + nlist, capacity: shortlist)
          let factor = queryScale * coarseCodeScale
          coarse.bias.withUnsafeBufferPointer { bias in
            coarseCodeSums.withUnsafeBufferPointer { sums in
              for list in 0..<nlist {
                let approximate = factor * Float(dots[list] - 128 * sums[list])
                candidates.push(bias[list] - scale * approximate, Int32(list))
              }
            }
            centroids.withUnsafeBufferPointer { centres in
              for slot in 0..<candidates.size {
                let list = Int(candidates.labels[slot])
                let exact = vs_dot(query, centres.baseAddress! + list * dim, dim)
                probes.push(bias[list] - scale * exact, Int32(list))
              }
            }
          }
        }
      }
      return
    }
    if coarseHalf.isEmpty {
      coarse.dots(query, into: scratch)
    } else {
      coarseHalf.withUnsafeBufferPointer { vs_ivf_dot_panels_f16(query, dim, $0.baseAddress!, nlist, scratch) }
    }
    coarse.bias.withUnsafeBufferPointer { bias in
      for list in 0..<nlist { probes.push(bias[list] - scale * scratch[list], Int32(list)) }
    }
  }

  /// `rows` row-major rows packed as half-float panels, or empty when they do not fit half floats.
  static func halfPanels(_ values: ContiguousArray<Float>, rows: Int, dim: Int) -> ContiguousArray<UInt16> {
    var panels = ContiguousArray<UInt16>(repeating: 0, count: vs_ivf_panel_floats(rows, dim))
    let status = values.withUnsafeBufferPointer { values in
      panels.withUnsafeMutableBufferPointer { vs_ivf_pack_panels_f16(values.baseAddress!, rows, dim, $0.baseAddress!) }
    }
    return status == 0 ? panels : []
  }

  /// Trains the coarse centroids (k-means, 10 iterations, at most 256 · nlist sampled rows; for IP
  /// rows go to the largest inner product, as FAISS does) and the list encoding on the residuals
  /// of at most 65,536 sampled rows: SQ8 per-dimension min/max, PQ code books (k-means, 25 iterations).
  public static func train(
    vectors: VectorRows, metric: IndexMetric, nlist: Int, kind: IVFKind, seed: UInt64 = 1234,
    control: BuildControl?
  ) throws(BuildCancelled) -> IVFQuantizer {
    let dim = vectors.dim
    precondition(nlist > 0, "nlist must be positive")
    if case .pq(let m, let nbits) = kind {
      precondition(m > 0 && dim % m == 0, "PQ's m must divide the dimension")
      precondition((1...8).contains(nbits), "PQ's nbits must be in 1...8")
    }
    let count = vectors.count
    let centroids = try vectors.storage.withUnsafeBufferPointer {
      (buffer) throws(BuildCancelled) -> ContiguousArray<Float> in
      guard let base = buffer.baseAddress, count > 0 else { return ContiguousArray(repeating: 0, count: nlist * dim) }
      return try KMeans(k: nlist, iterations: 10, metric: metric, seed: seed).train(
        base, count: count, dim: dim, control: control)
    }
    if kind == .flat { return IVFQuantizer(kind: kind, metric: metric, dim: dim, centroids: centroids) }
    let coarseOnly = IVFQuantizer(kind: .flat, metric: metric, dim: dim, centroids: centroids)
    // Residuals of a seeded sample of rows to their lists' centroids.
    var random = SplitMix64(seed: seed &+ 1)
    let sampleCount = min(count, 65_536)
    let sampleRows = sampleCount < count ? random.distinctIndices(sampleCount, from: count).sorted() : Array(0..<count)
    var residuals = ContiguousArray<Float>(repeating: 0, count: sampleCount * dim)
    try vectors.storage.withUnsafeBufferPointer { (buffer) throws(BuildCancelled) -> Void in
      guard let base = buffer.baseAddress, sampleCount > 0 else { return }
      try residuals.withUnsafeMutableBufferPointer { (out) throws(BuildCancelled) -> Void in
        for (index, row) in sampleRows.enumerated() {
          (out.baseAddress! + index * dim).update(from: base + row * dim, count: dim)
        }
        var lists = [Int32](repeating: 0, count: sampleCount)
        try lists.withUnsafeMutableBufferPointer { (lists) throws(BuildCancelled) -> Void in
          try coarseOnly.coarse.assign(
            out.baseAddress!, count: sampleCount, into: lists.baseAddress!, distances: nil, control: control)
        }
        for index in 0..<sampleCount {
          let row = out.baseAddress! + index * dim
          vs_ivf_madd(row, -1, coarseOnly.centroidPointer(Int(lists[index])), dim, row)
        }
      }
    }
    switch kind {
    case .flat:
      fatalError("unreachable")
    case .sq8:
      var minimum = ContiguousArray<Float>(repeating: sampleCount > 0 ? .infinity : 0, count: dim)
      var maximum = ContiguousArray<Float>(repeating: sampleCount > 0 ? -.infinity : 0, count: dim)
      for index in 0..<(sampleCount * dim) {
        minimum[index % dim] = min(minimum[index % dim], residuals[index])
        maximum[index % dim] = max(maximum[index % dim], residuals[index])
      }
      let step = ContiguousArray((0..<dim).map { (maximum[$0] - minimum[$0]) / 255 })
      return IVFQuantizer(kind: kind, metric: metric, dim: dim, centroids: centroids, sqMinimum: minimum, sqStep: step)
    case .pq(let m, let nbits):
      let ksub = 1 << nbits
      let subDim = dim / m
      var books = ContiguousArray<Float>()
      books.reserveCapacity(m * ksub * subDim)
      var subVectors = ContiguousArray<Float>(repeating: 0, count: sampleCount * subDim)
      for sub in 0..<m {
        for row in 0..<sampleCount {
          for index in 0..<subDim { subVectors[row * subDim + index] = residuals[row * dim + sub * subDim + index] }
        }
        if sampleCount == 0 {
          books.append(contentsOf: repeatElement(0, count: ksub * subDim))
          continue
        }
        let book = try subVectors.withUnsafeBufferPointer { (buffer) throws(BuildCancelled) in
          try KMeans(k: ksub, iterations: 25, metric: .l2, seed: seed &+ 2 &+ UInt64(sub)).train(
            buffer.baseAddress!, count: sampleCount, dim: subDim, control: control)
        }
        books.append(contentsOf: book)
      }
      // Half-float code books make the per-query tables cheaper to build and exact (see pqHalfPanels).
      books.withUnsafeMutableBufferPointer { books in
        if vs_ivf_fits_f16(books.baseAddress!, books.count) != 0 { vs_ivf_round_f16(books.baseAddress!, books.count) }
      }
      return IVFQuantizer(kind: kind, metric: metric, dim: dim, centroids: centroids, pqCodebooks: books)
    }
  }

  @inline(__always)
  func centroidPointer(_ list: Int) -> UnsafePointer<Float> {
    centroids.withUnsafeBufferPointer { $0.baseAddress! + list * dim }
  }

  /// The list a vector belongs to (nearest centroid in L2, largest inner product for IP).
  public func list(for vector: [Float]) -> Int {
    precondition(vector.count == dim, "vector has the wrong dimension")
    var list: Int32 = 0
    vector.withUnsafeBufferPointer { vector in
      withUnsafeMutablePointer(to: &list) { out in
        try! coarse.assign(vector.baseAddress!, count: 1, into: out, distances: nil, control: nil)
      }
    }
    return Int(list)
  }

  /// The code of one vector in list `list` (`codeSize` bytes).
  public func quantize(_ vector: [Float], list: Int) -> [UInt8] {
    precondition(vector.count == dim && (0..<nlist).contains(list), "bad vector or list")
    var code = [UInt8](repeating: 0, count: codeSize)
    var lists = [Int32(list)]
    vector.withUnsafeBufferPointer { vector in
      code.withUnsafeMutableBufferPointer { code in
        var scratch = [Float](repeating: 0, count: dim)
        encodeRows(vector.baseAddress!, count: 1, lists: &lists, into: code.baseAddress!, scratch: &scratch)
      }
    }
    return code
  }

  /// The vector a code of list `list` stands for.
  public func reconstruct(_ code: [UInt8], list: Int) -> [Float] {
    precondition(code.count == codeSize && (0..<nlist).contains(list), "bad code or list")
    var vector = [Float](repeating: 0, count: dim)
    switch kind {
    case .flat:
      vector.withUnsafeMutableBytes { $0.copyBytes(from: code) }
      return vector
    case .sq8:
      for index in 0..<dim {
        vector[index] = sqMinimum[index] + (Float(code[index]) + 0.5) * sqStep[index]
      }
    case .pq:
      for sub in 0..<pqM {
        let word = Int(code[sub])
        for index in 0..<pqSubDim {
          vector[sub * pqSubDim + index] = pqCodebooks[(sub * pqCentroids + word) * pqSubDim + index]
        }
      }
    }
    for index in 0..<dim { vector[index] += centroids[list * dim + index] }
    return vector
  }

  /// Encodes `count` rows whose lists are known into `count · codeSize` bytes.
  /// `scratch` must hold at least `count · dim` floats (the residuals).
  func encodeRows(
    _ rows: UnsafePointer<Float>, count: Int, lists: UnsafePointer<Int32>, into codes: UnsafeMutablePointer<UInt8>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    if kind == .flat {
      UnsafeMutableRawPointer(codes).copyMemory(from: rows, byteCount: count * dim * 4)
      return
    }
    for row in 0..<count {
      vs_ivf_madd(rows + row * dim, -1, centroidPointer(Int(lists[row])), dim, scratch + row * dim)
    }
    switch kind {
    case .flat:
      break
    case .sq8:
      sqMinimum.withUnsafeBufferPointer { minimum in
        sqStep.withUnsafeBufferPointer { step in
          for row in 0..<count {
            let residual = scratch + row * dim
            let code = codes + row * dim
            for index in 0..<dim {
              // FAISS's QT_8bit: truncate 255 · (x - min) / (max - min), clamped to [0, 255].
              let scaled = step[index] > 0 ? (residual[index] - minimum[index]) / step[index] : 0
              code[index] = UInt8(min(max(scaled, 0), 255))
            }
          }
        }
      }
    case .pq:
      let (m, ksub, subDim) = (pqM, pqCentroids, pqSubDim)
      withUnsafeTemporaryAllocation(of: Float.self, capacity: count * subDim) { subVectors in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: count) { words in
          pqPanels.withUnsafeBufferPointer { panels in
            pqNorms.withUnsafeBufferPointer { norms in
              for sub in 0..<m {
                for row in 0..<count {
                  (subVectors.baseAddress! + row * subDim).update(
                    from: scratch + row * dim + sub * subDim, count: subDim)
                }
                let status = vs_ivf_nearest(
                  subVectors.baseAddress!, count, subDim, panels.baseAddress! + sub * pqPanelStride, ksub,
                  norms.baseAddress! + sub * ksub, 2, words.baseAddress!, nil)
                precondition(status == 0, "out of memory in PQ encoding")
                for row in 0..<count { codes[row * m + sub] = UInt8(words[row]) }
              }
            }
          }
        }
      }
    }
  }
}
