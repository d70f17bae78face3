import ANN
import Dispatch
import Foundation
import Model
import Storage

/// One piece of background index work, with everything it needs copied in, so that it runs off the
/// backend's actor: an IVF training, or one sealed segment's index.
struct IndexJob: Sendable {
  enum Work: Sendable {
    case train(IVFKind, nlist: Int)
    case build(segmentID: Int, quantizer: IVFQuantizer?)
  }

  let indexName: String
  let generation: Int
  let plan: IndexPlan
  let metric: IndexMetric
  let work: Work
  /// The rows to train on or index (unit length for COSINE).
  let vectors: VectorRows
  /// Where the result is written.
  let path: String
  let control: BuildControl
  let threads: Int

  enum Outcome: Sendable {
    case trained(IVFQuantizer)
    case built(segmentID: Int, any VectorIndex)
    case cancelled
    case failed(String)
  }

  /// Builds, writes the file, and says how it went. Runs on any thread.
  func run() -> Outcome {
    do {
      switch work {
      case .train(let kind, let nlist):
        let quantizer = try IVFQuantizer.train(
          vectors: vectors, metric: metric, nlist: nlist, kind: kind, control: control)
        try IndexFile.write(IndexFile.encode(quantizer: quantizer), to: path)
        return .trained(quantizer)
      case .build(let segmentID, let quantizer):
        let index: any VectorIndex
        switch plan {
        case .hnsw(let m, let efConstruction):
          index = try HNSWIndex.build(
            vectors: vectors, metric: metric, M: m, efConstruction: efConstruction, threads: threads, control: control)
        case .ivfFlat, .ivfSQ8, .ivfPQ:
          guard let quantizer else { return .failed("the IVF quantizer is missing") }
          index = try IVFIndex.build(vectors: vectors, quantizer: quantizer, control: control)
        case .flat:
          return .failed("FLAT has no index structure to build")
        }
        if control.isCancelled { return .cancelled }
        try IndexFile.write(IndexFile.encode(index: index), to: path)
        return .built(segmentID: segmentID, index)
      }
    } catch is BuildCancelled {
      return .cancelled
    } catch let error as VectorError {
      return .failed(error.description)
    } catch {
      return .failed("\(error)")
    }
  }
}

/// The payload of index files: a tag, the row count, then the index's own bytes. The checksummed
/// container (`FileKind.index`) adds the magic, the format version and the CRC.
enum IndexFile {
  static let hnswTag: UInt8 = 1
  static let ivfTag: UInt8 = 2
  static let quantizerTag: UInt8 = 3

  static func encode(index: any VectorIndex) -> [UInt8] {
    var bytes: [UInt8] = [index is HNSWIndex ? hnswTag : ivfTag]
    withUnsafeBytes(of: UInt32(index.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: index.encode())
    return bytes
  }

  static func encode(quantizer: IVFQuantizer) -> [UInt8] {
    [quantizerTag] + quantizer.encode()
  }

  static func write(_ bytes: [UInt8], to path: String) throws(VectorError) {
    try StorageCall.run { try ChecksummedFile.write(Data(bytes), kind: .index, to: path) }
  }

  /// Reads a segment's index; `vectors` gives the rows an HNSW graph walks.
  static func readIndex(path: String, rows: Int, vectors: () -> VectorRows) throws(VectorError) -> any VectorIndex {
    let data = try StorageCall.run { try ChecksummedFile.read(kind: .index, from: path) }
    do {
      return try data.withUnsafeBytes { raw throws(IndexFormatError) -> any VectorIndex in
        guard raw.count >= 5 else { throw IndexFormatError("the file is too short") }
        let tag = raw[0]
        let count = Int(raw.loadUnaligned(fromByteOffset: 1, as: UInt32.self).littleEndian)
        guard count == rows else {
          throw IndexFormatError("it indexes \(count) rows, the segment has \(rows)")
        }
        let body = UnsafeRawBufferPointer(rebasing: raw[5...])
        let index: any VectorIndex
        switch tag {
        case hnswTag: index = try HNSWIndex.decode(body, vectors: vectors())
        case ivfTag: index = try IVFIndex.decode(body)
        default: throw IndexFormatError("unknown index tag \(tag)")
        }
        guard index.count == rows else { throw IndexFormatError("the index holds \(index.count) rows, not \(rows)") }
        return index
      }
    } catch let error as IndexFormatError {
      throw .corrupt("corrupt file \(path): \(error.reason)")
    } catch {
      throw .corrupt("corrupt file \(path): \(error)")
    }
  }

  static func readQuantizer(path: String) throws(VectorError) -> IVFQuantizer {
    let data = try StorageCall.run { try ChecksummedFile.read(kind: .index, from: path) }
    do {
      return try data.withUnsafeBytes { raw throws(IndexFormatError) -> IVFQuantizer in
        guard raw.count >= 1, raw[0] == quantizerTag else { throw IndexFormatError("not an IVF quantizer") }
        return try IVFQuantizer.decode(UnsafeRawBufferPointer(rebasing: raw[1...]))
      }
    } catch let error as IndexFormatError {
      throw .corrupt("corrupt file \(path): \(error.reason)")
    } catch {
      throw .corrupt("corrupt file \(path): \(error)")
    }
  }
}

extension Collection {
  func segmentIndexPath(segment: Int, generation: Int) -> String { directory + "/seg-\(segment).idx\(generation)" }
  func quantizerPath(generation: Int) -> String { directory + "/ivf-\(generation).quantizer" }

  /// The validated plan of an index in the manifest.
  func plan(of spec: IndexSpec) -> IndexPlan? {
    guard let field = layout.schema.field(named: spec.fieldName) else { return nil }
    return try? IndexPlan.validate(spec, dim: field.dim ?? 0, rows: 0).0
  }

  // MARK: - Defining indexes

  func createIndex(_ spec: IndexSpec) throws(VectorError) {
    try requireWritable()
    guard let field = layout.schema.field(named: spec.fieldName) else {
      throw .invalidArgument("cannot create index on non-exist field: \(spec.fieldName)")
    }
    guard field.type == .floatVector else {
      throw .unsupported("the embedded engine indexes vector fields only; \(field.name) is \(field.typeLabel)")
    }
    try materialize()
    let (plan, spec) = try IndexPlan.validate(spec, dim: field.dim ?? 0, rows: entityCount)
    if let existing = manifest.indexes.first(where: { $0.fieldName == spec.fieldName }) {
      guard existing == spec else {
        throw .invalidArgument(
          "at most one distinct index is allowed per field (\(spec.fieldName) has \(existing.indexName) \(existing.indexType))"
        )
      }
      // The same definition again: a failed build (or a corrupt file) starts over.
      if let build = manifest.indexBuilds[spec.indexName], !build.failReason.isEmpty {
        restartBuild(spec.indexName)
        try writeManifest()
        removeOrphanFiles()
      }
      return
    }
    if manifest.indexes.contains(where: { $0.indexName == spec.indexName }) {
      throw .invalidArgument("an index named \(spec.indexName) already exists")
    }
    // Rows still in the log are sealed now, so that the build covers them.
    try flush()
    manifest.indexes.append(spec)
    if plan != .flat { restartBuild(spec.indexName) }
    try writeManifest()
  }

  private func restartBuild(_ name: String) {
    manifest.indexBuilds[name] = Manifest.IndexBuild(generation: manifest.nextIndexGeneration)
    manifest.nextIndexGeneration += 1
    segmentIndexes[name] = nil
    quantizers[name] = nil
    indexLoadFailures[name] = nil
  }

  func dropIndex(_ name: String) throws(VectorError) {
    try requireWritable()
    guard let spec = manifest.indexes.first(where: { $0.indexName == name || $0.fieldName == name }) else {
      throw .indexNotFound(collection: layout.schema.name)
    }
    if manifest.loaded {
      throw .invalidArgument("index cannot be dropped, collection is loaded, please release it first")
    }
    if runningJob?.indexName == spec.indexName { runningJob?.control.cancel() }
    manifest.indexes.removeAll { $0.indexName == spec.indexName }
    manifest.indexBuilds[spec.indexName] = nil
    segmentIndexes[spec.indexName] = nil
    quantizers[spec.indexName] = nil
    indexLoadFailures[spec.indexName] = nil
    try writeManifest()
    removeOrphanFiles()
  }

  // MARK: - Status

  /// Each index's state and progress; `measuringMemory` adds the bytes of the index structures
  /// (file sizes for those not read yet), which costs a `stat` per unread segment index.
  func indexStatuses(measuringMemory: Bool = true) -> [IndexStatus] {
    let segments: [(id: Int, rows: Int, sealed: Bool)] =
      data?.segments.map { ($0.id, $0.count, $0.isSealed) } ?? manifest.segments.map { ($0.id, $0.rows, true) }
    let total = segments.reduce(0) { $0 + $1.rows }
    return manifest.indexes.map { spec in
      guard let plan = plan(of: spec), plan != .flat, let build = manifest.indexBuilds[spec.indexName] else {
        return IndexStatus(spec: spec, state: .finished, indexedRows: total, totalRows: total, memoryBytes: 0)
      }
      let indexed = Set(build.indexedSegments)
      var indexedRows = 0
      var pendingRows = 0
      var memory = 0
      let waitsForTraining = plan.isIVF && !build.trained
      for segment in segments where segment.sealed {
        if indexed.contains(segment.id) {
          indexedRows += segment.rows
          if let index = segmentIndexes[spec.indexName]?[segment.id] {
            memory += index.memoryBytes
          } else if measuringMemory {
            memory += fileSize(segmentIndexPath(segment: segment.id, generation: build.generation))
          }
        } else if segment.rows < IndexPlan.minimumSegmentRows {
          // Small segments are searched exactly, as Milvus does; they need no index.
          indexedRows += segment.rows
        } else if !(waitsForTraining && !canTrain(plan, build: build)) {
          pendingRows += segment.rows
        }
      }
      // A running job keeps the index in progress until its result is committed: its rows may all be
      // processed while its file is still being written, and a process that stopped waiting then
      // would lose the segment's index.
      var running = false
      if let job = runningJob, job.indexName == spec.indexName, job.generation == build.generation {
        running = true
        if job.isBuild {
          let progress = min(job.control.processed, job.rows)
          indexedRows += progress
          pendingRows -= progress
        }
      }
      var reason = build.failReason.isEmpty ? (indexLoadFailures[spec.indexName] ?? "") : build.failReason
      if reason.isEmpty, pendingRows > 0, let problem = indexBuildProblem { reason = problem }
      let state: IndexState = !reason.isEmpty ? .failed : pendingRows > 0 || running ? .inProgress : .finished
      return IndexStatus(
        spec: spec, state: state, indexedRows: indexedRows, totalRows: total, pendingIndexRows: max(pendingRows, 0),
        failReason: reason, memoryBytes: memory)
    }
  }

  private func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
  }

  /// Whether an untrained IVF index has enough sealed rows to train on.
  private func canTrain(_ plan: IndexPlan, build: Manifest.IndexBuild) -> Bool {
    let nlist: Int
    switch plan {
    case .ivfFlat(let n), .ivfSQ8(let n), .ivfPQ(let n, _, _): nlist = n
    default: return true
    }
    let sealedRows =
      data?.segments.filter(\.isSealed).reduce(0) { $0 + $1.count } ?? manifest.segments.reduce(0) { $0 + $1.rows }
    return sealedRows >= max(nlist, 1)
  }

  // MARK: - Background work

  /// The next piece of work for the builder, or nil when every index is up to date.
  func nextIndexJob() -> IndexJob? {
    guard !readOnly, let data, runningJob == nil else { return nil }
    let sealed = data.segments.filter(\.isSealed)
    for spec in manifest.indexes {
      guard let plan = plan(of: spec), plan != .flat, let build = manifest.indexBuilds[spec.indexName],
        build.failReason.isEmpty, let column = layout.vectorColumn(spec.fieldName)
      else { continue }
      let dim = layout.vectorFields[column].dim ?? 0
      let metric = IndexMetric(spec.metric)
      let cosine = spec.metric == .cosine
      let control = BuildControl()
      if plan.isIVF && !build.trained {
        guard canTrain(plan, build: build), let (kind, nlist) = ivfKind(plan) else { continue }
        let sample = trainingSample(sealed, column: column, dim: dim, limit: 256 * nlist, cosine: cosine)
        runningJob = RunningIndexJob(
          indexName: spec.indexName, generation: build.generation, rows: 0, control: control, isBuild: false,
          path: quantizerPath(generation: build.generation))
        return IndexJob(
          indexName: spec.indexName, generation: build.generation, plan: plan, metric: metric,
          work: .train(kind, nlist: nlist), vectors: sample, path: quantizerPath(generation: build.generation),
          control: control, threads: 1)
      }
      let indexed = Set(build.indexedSegments)
      for segment in sealed where segment.count >= IndexPlan.minimumSegmentRows && !indexed.contains(segment.id) {
        var quantizer: IVFQuantizer?
        if plan.isIVF {
          guard let trained = loadQuantizer(spec, build: build) else { break }
          quantizer = trained
        }
        let path = segmentIndexPath(segment: segment.id, generation: build.generation)
        runningJob = RunningIndexJob(
          indexName: spec.indexName, generation: build.generation, rows: segment.count, control: control,
          isBuild: true, path: path)
        return IndexJob(
          indexName: spec.indexName, generation: build.generation, plan: plan, metric: metric,
          work: .build(segmentID: segment.id, quantizer: quantizer),
          vectors: segmentVectors(segment, column: column, cosine: cosine), path: path, control: control,
          threads: 1)
      }
    }
    return nil
  }

  /// Records a finished piece of work; stale results (a dropped or redefined index) are dropped.
  func commitIndexJob(_ job: IndexJob, outcome: IndexJob.Outcome) {
    if runningJob?.path == job.path { runningJob = nil }
    guard var build = manifest.indexBuilds[job.indexName], build.generation == job.generation else {
      try? FileManager.default.removeItem(atPath: job.path)
      return
    }
    switch outcome {
    case .trained(let quantizer):
      quantizers[job.indexName] = quantizer
      build.trained = true
    case .built(let segmentID, let index):
      guard data?.segments.contains(where: { $0.id == segmentID && $0.isSealed }) ?? false else {
        try? FileManager.default.removeItem(atPath: job.path)
        return
      }
      segmentIndexes[job.indexName, default: [:]][segmentID] = index
      build.indexedSegments.append(segmentID)
    case .failed(let reason):
      build.failReason = reason
    case .cancelled:
      try? FileManager.default.removeItem(atPath: job.path)
      return
    }
    manifest.indexBuilds[job.indexName] = build
    // A manifest that cannot be written loses only this progress: the next open builds again.
    try? writeManifest()
  }

  /// Whether some index still has work that `nextIndexJob` would hand out once the collection is
  /// materialised (a build left unfinished by an earlier process counts too).
  var hasPendingIndexWork: Bool {
    guard !readOnly, runningJob == nil, indexBuildProblem == nil else { return false }
    return indexStatuses(measuringMemory: false).contains { $0.state == .inProgress }
  }

  private func ivfKind(_ plan: IndexPlan) -> (IVFKind, Int)? {
    switch plan {
    case .ivfFlat(let nlist): return (.flat, nlist)
    case .ivfSQ8(let nlist): return (.sq8, nlist)
    case .ivfPQ(let nlist, let m, let nbits): return (.pq(m: m, nbits: nbits), nlist)
    default: return nil
    }
  }

  private func segmentVectors(_ segment: Segment, column: Int, cosine: Bool) -> VectorRows {
    let rows = VectorRows(segment.vectors[column], dim: segment.dims[column])
    return cosine ? rows.normalized() : rows
  }

  /// Up to `limit` rows spread evenly over the sealed segments, for IVF training.
  private func trainingSample(_ segments: [Segment], column: Int, dim: Int, limit: Int, cosine: Bool) -> VectorRows {
    let total = segments.reduce(0) { $0 + $1.count }
    let stride = max(1, total / max(limit, 1))
    var sample = ContiguousArray<Float>()
    sample.reserveCapacity(min(total, limit) * dim)
    var position = 0
    for segment in segments {
      let vectors = segment.vectors[column]
      for row in 0..<segment.count {
        if position % stride == 0 { sample.append(contentsOf: vectors[(row * dim)..<((row + 1) * dim)]) }
        position += 1
      }
    }
    let rows = VectorRows(sample, dim: dim)
    return cosine ? rows.normalized() : rows
  }

  // MARK: - Loading

  private func loadQuantizer(_ spec: IndexSpec, build: Manifest.IndexBuild) -> IVFQuantizer? {
    if let quantizer = quantizers[spec.indexName] { return quantizer }
    do {
      let quantizer = try IndexFile.readQuantizer(path: quantizerPath(generation: build.generation))
      quantizers[spec.indexName] = quantizer
      return quantizer
    } catch {
      recordLoadFailure(spec.indexName, reason: error.description, segment: nil)
      return nil
    }
  }

  /// The index of one sealed segment, read from its file on first use; nil when it has none.
  func segmentIndex(_ spec: IndexSpec, segment: Segment, column: Int) -> (any VectorIndex)? {
    if let index = segmentIndexes[spec.indexName]?[segment.id] { return index }
    guard segment.isSealed, let build = manifest.indexBuilds[spec.indexName],
      build.indexedSegments.contains(segment.id)
    else { return nil }
    let path = segmentIndexPath(segment: segment.id, generation: build.generation)
    do {
      let index = try IndexFile.readIndex(path: path, rows: segment.count) {
        segmentVectors(segment, column: column, cosine: spec.metric == .cosine)
      }
      segmentIndexes[spec.indexName, default: [:]][segment.id] = index
      return index
    } catch {
      recordLoadFailure(spec.indexName, reason: error.description, segment: segment.id)
      return nil
    }
  }

  /// A file that cannot be read makes the index Failed with the reason; searches of its segment
  /// fall back to exact search, and creating the same index again rebuilds it.
  private func recordLoadFailure(_ name: String, reason: String, segment: Int?) {
    indexLoadFailures[name] = reason
    guard !readOnly, var build = manifest.indexBuilds[name] else { return }
    if let segment { build.indexedSegments.removeAll { $0 == segment } }
    build.failReason = reason
    manifest.indexBuilds[name] = build
    try? writeManifest()
  }

  /// Index and quantizer files that no build record names (a dropped or redefined index, a crash
  /// before the manifest commit), except the one the running job is writing.
  func orphanIndexFiles(among names: [String]) -> [String] {
    var wanted = Set<String>()
    for build in manifest.indexBuilds.values {
      for segment in build.indexedSegments { wanted.insert("seg-\(segment).idx\(build.generation)") }
      if build.trained { wanted.insert("ivf-\(build.generation).quantizer") }
    }
    if let running = runningJob { wanted.insert(String(running.path.split(separator: "/").last ?? "")) }
    return names.filter { name in
      let isIndexFile = (name.hasPrefix("seg-") && name.contains(".idx")) || name.hasSuffix(".quantizer")
      return isIndexFile && !wanted.contains(name)
    }
  }
}

/// The job the builder runs now, for progress and cancellation.
struct RunningIndexJob {
  let indexName: String
  let generation: Int
  /// Rows of the segment being indexed (0 for training).
  let rows: Int
  let control: BuildControl
  let isBuild: Bool
  let path: String
}
