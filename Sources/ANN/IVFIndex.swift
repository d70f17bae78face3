import CKernels

/// An inverted-file index (Milvus's IVF_FLAT, IVF_SQ8, IVF_PQ): every row sits in the list of its
/// nearest coarse centroid; a search scans the `nprobe` lists whose centroids score best.
///
/// Each list keeps its row numbers and its rows' codes contiguously (for IVF_FLAT a copy of the
/// vectors, like FAISS). IVF_PQ scores by asymmetric distance from per-query lookup tables, with no
/// re-ranking (as Milvus and FAISS).
public final class IVFIndex: VectorIndex {
  /// The trained centroids and code book, possibly shared with other segments' indexes.
  public let quantizer: IVFQuantizer
  public let count: Int
  /// `nlist + 1` offsets: list `l` holds positions `listOffsets[l]..<listOffsets[l + 1]`.
  let listOffsets: ContiguousArray<Int>
  /// The row number at each position.
  let rowIds: ContiguousArray<Int32>
  /// IVF_SQ8 and IVF_PQ: `codeSize` bytes per position.
  let codes: ContiguousArray<UInt8>
  /// IVF_FLAT: `dim` floats per position.
  let vectors: ContiguousArray<Float>
  /// Rows in the longest list (the size of a search's score buffer).
  let largestList: Int

  init(
    quantizer: IVFQuantizer, listOffsets: ContiguousArray<Int>, rowIds: ContiguousArray<Int32>,
    codes: ContiguousArray<UInt8>, vectors: ContiguousArray<Float>
  ) {
    self.quantizer = quantizer
    self.count = rowIds.count
    self.listOffsets = listOffsets
    self.rowIds = rowIds
    self.codes = codes
    self.vectors = vectors
    largestList = (0..<quantizer.nlist).reduce(0) { max($0, listOffsets[$1 + 1] - listOffsets[$1]) }
  }

  public var typeName: String {
    switch quantizer.kind {
    case .flat: return "IVF_FLAT"
    case .sq8: return "IVF_SQ8"
    case .pq: return "IVF_PQ"
    }
  }

  /// Lists, codes and the quantizer's centroids and tables.
  public var memoryBytes: Int {
    listOffsets.count * MemoryLayout<Int>.size + rowIds.count * MemoryLayout<Int32>.size + codes.count
      + vectors.count * MemoryLayout<Float>.size + quantizer.memoryBytes
  }

  /// Rows in each list.
  public var listSizes: [Int] { (0..<quantizer.nlist).map { listOffsets[$0 + 1] - listOffsets[$0] } }

  /// Assigns every row to the nearest centroid of `quantizer` and encodes it into its list.
  /// Advances `control` by the rows assigned.
  public static func build(
    vectors: VectorRows, quantizer: IVFQuantizer, control: BuildControl?
  ) throws(BuildCancelled) -> IVFIndex {
    precondition(vectors.dim == quantizer.dim, "vectors and quantizer differ in dimension")
    let count = vectors.count
    let dim = vectors.dim
    let nlist = quantizer.nlist
    precondition(count < Int(Int32.max), "too many rows for Int32 row numbers")
    if control?.isCancelled == true { throw BuildCancelled() }
    var lists = [Int32](repeating: 0, count: count)
    if count > 0 {
      try vectors.storage.withUnsafeBufferPointer { (base) throws(BuildCancelled) -> Void in
        try lists.withUnsafeMutableBufferPointer { (lists) throws(BuildCancelled) -> Void in
          try quantizer.coarse.assign(
            base.baseAddress!, count: count, into: lists.baseAddress!, distances: nil, control: control,
            progress: true)
        }
      }
    }
    var offsets = ContiguousArray<Int>(repeating: 0, count: nlist + 1)
    for list in lists { offsets[Int(list) + 1] += 1 }
    for list in 0..<nlist { offsets[list + 1] += offsets[list] }
    // Positions in row order, so each list's rows ascend.
    var cursor = Array(offsets.dropLast())
    var positions = [Int](repeating: 0, count: count)
    var rowIds = ContiguousArray<Int32>(repeating: 0, count: count)
    for row in 0..<count {
      let list = Int(lists[row])
      positions[row] = cursor[list]
      rowIds[cursor[list]] = Int32(row)
      cursor[list] += 1
    }
    let codeSize = quantizer.codeSize
    var codes = ContiguousArray<UInt8>(repeating: 0, count: count * codeSize)
    let block = 256
    let blocks = (count + block - 1) / block
    if control?.isCancelled == true { throw BuildCancelled() }
    if count > 0 {
      vectors.storage.withUnsafeBufferPointer { base in
        lists.withUnsafeBufferPointer { lists in
          positions.withUnsafeBufferPointer { positions in
            codes.withUnsafeMutableBufferPointer { codes in
              let shared = Unchecked(
                (base.baseAddress!, lists.baseAddress!, positions.baseAddress!, codes.baseAddress!))
              parallelFor(blocks) { index in
                let (base, lists, positions, codes) = shared.value
                let start = index * block
                let rowsHere = min(block, count - start)
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: rowsHere * dim)
                let blockCodes = UnsafeMutablePointer<UInt8>.allocate(capacity: rowsHere * codeSize)
                defer {
                  scratch.deallocate()
                  blockCodes.deallocate()
                }
                quantizer.encodeRows(
                  base + start * dim, count: rowsHere, lists: lists + start, into: blockCodes, scratch: scratch)
                for row in 0..<rowsHere {
                  (codes + positions[start + row] * codeSize).update(from: blockCodes + row * codeSize, count: codeSize)
                }
              }
            }
          }
        }
      }
    }
    if quantizer.kind == .flat {
      let floats = ContiguousArray<Float>(unsafeUninitializedCapacity: count * dim) { buffer, initialized in
        codes.withUnsafeBytes { bytes in
          if let base = buffer.baseAddress, count > 0 {
            UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: count * dim * 4)
          }
        }
        initialized = count * dim
      }
      return IVFIndex(quantizer: quantizer, listOffsets: offsets, rowIds: rowIds, codes: [], vectors: floats)
    }
    return IVFIndex(quantizer: quantizer, listOffsets: offsets, rowIds: rowIds, codes: codes, vectors: [])
  }

  /// The best `k` allowed rows; `params.nprobe` (default 8, clamped to 1...nlist) lists are scanned.
  public func search(
    _ query: UnsafePointer<Float>, k: Int, params: IndexSearchParams, allowed: RowBitset?
  ) -> [IndexHit] {
    guard k > 0, count > 0 else { return [] }
    if let allowed, allowed.setCount == 0 { return [] }
    let nlist = quantizer.nlist
    let nprobe = min(max(params.nprobe ?? 8, 1), nlist)
    let tableFloats: Int
    switch quantizer.kind {
    case .flat: tableFloats = 0
    case .sq8: tableFloats = 2 * quantizer.dim
    case .pq: tableFloats = 2 * quantizer.pqM * quantizer.pqCentroids
    }
    let floats = nlist + nprobe + largestList + tableFloats + k
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: floats) { scratch in
      withUnsafeTemporaryAllocation(of: Int32.self, capacity: nprobe + k) { labels in
        let base = scratch.baseAddress!
        let coarse = base
        let probeScores = coarse + nlist
        let listScores = probeScores + nprobe
        let tables = listScores + largestList
        let heapScores = tables + tableFloats
        var probes = BoundedHeap(scores: probeScores, labels: labels.baseAddress!, capacity: nprobe)
        var best = BoundedHeap(scores: heapScores, labels: labels.baseAddress! + nprobe, capacity: k)
        quantizer.chooseLists(query, into: &probes, scratch: coarse)
        let queryNorm = quantizer.metric == .l2 ? vs_dot(query, query, quantizer.dim) : 0
        var scan = ListScan(
          index: self, query: query, queryNorm: queryNorm, tables: tables, scores: listScores, allowed: allowed)
        scan.prepare()
        scan.scan(lists: probes.labels, count: probes.size, into: &best)
        return best.sortedHits()
      }
    }
  }
}

/// A bounded max-heap of (score, label) on caller-provided storage: keeps the `capacity` smallest
/// scores, ties broken by the smaller label.
struct BoundedHeap {
  let scores: UnsafeMutablePointer<Float>
  let labels: UnsafeMutablePointer<Int32>
  let capacity: Int
  private(set) var size = 0

  init(scores: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>, capacity: Int) {
    self.scores = scores
    self.labels = labels
    self.capacity = capacity
  }

  @inline(__always)
  static func worse(_ a: Float, _ aLabel: Int32, than b: Float, _ bLabel: Int32) -> Bool {
    a > b || (a == b && aLabel > bLabel)
  }

  /// Whether `score` would enter the heap.
  @inline(__always)
  func admits(_ score: Float) -> Bool { size < capacity || score <= scores[0] }

  @inline(__always)
  mutating func push(_ score: Float, _ label: Int32) {
    if size < capacity {
      var child = size
      size += 1
      while child > 0 {
        let parent = (child - 1) >> 1
        if !BoundedHeap.worse(score, label, than: scores[parent], labels[parent]) { break }
        scores[child] = scores[parent]
        labels[child] = labels[parent]
        child = parent
      }
      scores[child] = score
      labels[child] = label
      return
    }
    if !BoundedHeap.worse(scores[0], labels[0], than: score, label) { return }
    var parent = 0
    while true {
      var child = 2 * parent + 1
      if child >= size { break }
      if child + 1 < size && BoundedHeap.worse(scores[child + 1], labels[child + 1], than: scores[child], labels[child])
      {
        child += 1
      }
      if !BoundedHeap.worse(scores[child], labels[child], than: score, label) { break }
      scores[parent] = scores[child]
      labels[parent] = labels[child]
      parent = child
    }
    scores[parent] = score
    labels[parent] = label
  }

  /// The contents best first.
  func sortedHits() -> [IndexHit] {
    var hits = (0..<size).map { IndexHit(row: labels[$0], score: scores[$0]) }
    hits.sort { $0.score != $1.score ? $0.score < $1.score : $0.row < $1.row }
    return hits
  }
}
