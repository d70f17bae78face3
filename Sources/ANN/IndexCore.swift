import CKernels
import Synchronization

/// How an ANN index scores rows: smaller is always better.
///
/// `l2` scores by squared Euclidean distance (what Milvus reports for L2). `innerProduct` scores by
/// the negated inner product; COSINE is `innerProduct` over unit-length vectors (the caller normalises
/// the stored vectors and the query), as hnswlib and FAISS do.
public enum IndexMetric: UInt8, Sendable {
  case l2 = 0
  case innerProduct = 1

  /// The score of one pair of `dim`-long vectors, through the CPU's best kernel.
  @inline(__always)
  public func score(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dim: Int) -> Float {
    switch self {
    case .l2: return vs_l2sq(a, b, dim)
    case .innerProduct: return -vs_dot(a, b, dim)
    }
  }
}

/// Row-major float vectors that an index reads but never changes.
///
/// Sharing a `ContiguousArray` with a sealed segment costs no copy (copy-on-write), so an index over
/// L2 or IP data keeps no second copy of the vectors; COSINE indexes hold a normalised copy.
public final class VectorRows: Sendable {
  public let storage: ContiguousArray<Float>
  public let dim: Int
  public var count: Int { dim == 0 ? 0 : storage.count / dim }

  public init(_ storage: ContiguousArray<Float>, dim: Int) {
    precondition(dim > 0 && storage.count % dim == 0, "vector storage is not a whole number of rows")
    self.storage = storage
    self.dim = dim
  }

  /// A copy with every row scaled to unit length (zero rows stay zero), for COSINE.
  public func normalized() -> VectorRows {
    var copy = storage
    let dim = dim
    copy.withUnsafeMutableBufferPointer { buffer in
      for row in 0..<(buffer.count / dim) {
        let start = buffer.baseAddress! + row * dim
        let norm = vs_dot(start, start, dim).squareRoot()
        if norm > 0 { for index in 0..<dim { start[index] /= norm } }
      }
    }
    return VectorRows(copy, dim: dim)
  }

  /// Calls `body` with a pointer to the first float of the storage.
  @inline(__always)
  public func withBase<T>(_ body: (UnsafePointer<Float>) throws -> T) rethrows -> T {
    try storage.withUnsafeBufferPointer { try body($0.baseAddress!) }
  }
}

/// The rows a search may return: live rows that pass the filter. One bit per row.
public struct RowBitset: Sendable, Equatable {
  public private(set) var words: [UInt64]
  public let count: Int
  /// How many bits are set.
  public private(set) var setCount: Int

  /// A bitset of `count` rows, all allowed or none.
  public init(count: Int, allSet: Bool) {
    self.count = count
    words = Array(repeating: allSet ? ~0 : 0, count: (count + 63) / 64)
    setCount = allSet ? count : 0
    if allSet, count % 64 != 0 { words[words.count - 1] = (1 << UInt64(count % 64)) - 1 }
  }

  public init(_ mask: [Bool]) {
    self.init(count: mask.count, allSet: false)
    for (row, allowed) in mask.enumerated() where allowed { insert(row) }
  }

  @inline(__always)
  public func contains(_ row: Int) -> Bool {
    words[row >> 6] & (1 << UInt64(row & 63)) != 0
  }

  public mutating func insert(_ row: Int) {
    let bit: UInt64 = 1 << UInt64(row & 63)
    if words[row >> 6] & bit == 0 {
      words[row >> 6] |= bit
      setCount += 1
    }
  }

  public mutating func remove(_ row: Int) {
    let bit: UInt64 = 1 << UInt64(row & 63)
    if words[row >> 6] & bit != 0 {
      words[row >> 6] &= ~bit
      setCount -= 1
    }
  }
}

/// One row an index found, with its score (smaller is better; see `IndexMetric`).
public struct IndexHit: Sendable, Equatable {
  public var row: Int32
  public var score: Float

  public init(row: Int32, score: Float) {
    self.row = row
    self.score = score
  }
}

/// The search knobs, with Milvus's names. An index reads the one it has.
public struct IndexSearchParams: Sendable, Equatable {
  /// HNSW's candidate list size; at least k.
  public var ef: Int?
  /// IVF's number of lists to scan.
  public var nprobe: Int?

  public init(ef: Int? = nil, nprobe: Int? = nil) {
    self.ef = ef
    self.nprobe = nprobe
  }
}

/// Reports build progress and carries a cancellation request across threads.
public final class BuildControl: Sendable {
  private let done = Atomic<Int>(0)
  private let cancelled = Atomic<Bool>(false)

  public init() {}

  /// Rows processed so far.
  public var processed: Int { done.load(ordering: .relaxed) }
  public func advance(by rows: Int) { done.add(rows, ordering: .relaxed) }
  public func reset() { done.store(0, ordering: .relaxed) }

  public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
  public func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// Thrown by a build that saw `BuildControl.cancel()`.
public struct BuildCancelled: Error, Sendable {
  public init() {}
}

/// An approximate nearest-neighbour index over the rows of one sealed segment.
///
/// Rows are numbered as in the segment (0..<count). Searches may run on many threads at once;
/// an index never changes after it is built or decoded.
public protocol VectorIndex: AnyObject, Sendable {
  /// Milvus's name of the index type, e.g. `HNSW`.
  var typeName: String { get }
  /// Rows the index covers.
  var count: Int { get }
  /// Bytes of memory the index's own structures take (graph, lists, codes; not shared vectors).
  var memoryBytes: Int { get }
  /// The best `k` allowed rows for a query (already normalised for COSINE), best first.
  func search(_ query: UnsafePointer<Float>, k: Int, params: IndexSearchParams, allowed: RowBitset?) -> [IndexHit]
  /// The index's own bytes for its file (without the shared vectors).
  func encode() -> [UInt8]
}

/// An index file's bytes do not describe a valid index; `reason` says what is wrong.
public struct IndexFormatError: Error, Sendable, Equatable {
  public let reason: String
  public init(_ reason: String) { self.reason = reason }
}
