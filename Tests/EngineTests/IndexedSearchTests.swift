import Foundation
import Model
import XCTest

@testable import Engine

/// ANN indexes inside collections: background builds, merging with exact search over growing and
/// small segments, deletes, filters at every selectivity, persistence and corrupt files.
final class IndexedSearchTests: XCTestCase {
  static let dim = 32

  /// Rows around 40 cluster centres (so an index has structure to find), with scalar fields.
  private func clusteredRows(count: Int, startID: Int64 = 0, seed: UInt64) -> [Row] {
    var generator = SeededGenerator(seed: seed)
    var centreGenerator = SeededGenerator(seed: 4242)
    let centres = (0..<40).map { _ in (0..<Self.dim).map { _ in Float.random(in: -4...4, using: &centreGenerator) } }
    return (0..<count).map { index in
      let centre = centres[Int.random(in: 0..<centres.count, using: &generator)]
      let id = startID + Int64(index)
      return [
        "id": .int(id),
        "vector": .floatVector(centre.map { $0 + Float.random(in: -1...1, using: &generator) }),
        "genre": .string(genres[Int(id) % genres.count]),
        "year": .int(1950 + id % 75),
        "score": .double(Double(id % 1000)),
        "tags": .array([]),
      ]
    }
  }

  private func vector(_ row: Row) -> [Float] {
    guard case .floatVector(let values)? = row["vector"] else { fatalError("row without a vector") }
    return values
  }

  /// Exact results of the same request: the store's FLAT path on a twin collection without an index.
  private func exact(_ store: EmbeddedBackend, _ request: SearchRequest) async throws -> [[PrimaryKey]] {
    var twin = request
    twin.collection = "exact"
    twin.params = [:]
    // The twin has no index, so it needs the metric named (the indexed collections use L2).
    twin.metric = request.metric ?? .l2
    return try await store.search(twin).map { $0.map(\.id) }
  }

  private func recall(_ found: [[PrimaryKey]], _ truth: [[PrimaryKey]]) -> Double {
    let total = zip(found, truth).reduce(0.0) { sum, pair in
      sum + Double(Set(pair.0).intersection(pair.1).count) / Double(max(pair.1.count, 1))
    }
    return total / Double(truth.count)
  }

  /// A store with `docs` (to be indexed) and `exact` (the same rows, no index), in three segments
  /// of 5,000 rows and a growing one.
  private func makeStore(rows: [Row], metric: Metric = .l2) async throws -> (EmbeddedBackend, String) {
    let directory = temporaryDirectory(self)
    let store = try EmbeddedBackend(directory: directory, flushRowThreshold: 5000)
    for name in ["docs", "exact"] {
      try await store.createCollection(sampleSchema(name: name, dim: Self.dim))
      for start in stride(from: 0, to: rows.count, by: 2500) {
        _ = try await store.insert(name, rows: Array(rows[start..<min(start + 2500, rows.count)]), partition: nil)
      }
    }
    return (store, directory)
  }

  func testHNSWBuildsInTheBackgroundAndFindsWhatExactSearchFinds() async throws {
    let rows = clusteredRows(count: 16_000, seed: 1)
    let (store, _) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(16), "efConstruction": .int(100)]))
    // Reads never wait for the build: this search runs while it goes on.
    let queries = clusteredRows(count: 50, startID: 1_000_000, seed: 2).map(vector)
    let during = try await store.search(SearchRequest(collection: "docs", vectors: queries, topK: 10))
    XCTAssertEqual(during.count, 50)
    await store.waitForIndexBuilds()
    let status = try await store.describeIndexes("docs")
    XCTAssertEqual(status.count, 1)
    XCTAssertEqual(status[0].state, .finished)
    XCTAssertEqual(status[0].indexedRows, 16_000)
    XCTAssertEqual(status[0].totalRows, 16_000)
    XCTAssertGreaterThan(status[0].memoryBytes ?? 0, 16_000 * 16 * 4, "a graph of 16k nodes with M=16")

    let request = SearchRequest(collection: "docs", vectors: queries, topK: 10, params: ["ef": .int(64)])
    let found = try await store.search(request).map { $0.map(\.id) }
    let truth = try await exact(store, request)
    // Measured 1.0 on this clustered set (40 clusters, 32-d); 0.95 is the issue's floor at ef=64.
    XCTAssertGreaterThanOrEqual(recall(found, truth), 0.95)
    let again = try await exact(store, request)
    XCTAssertEqual(again, truth, "the twin is deterministic")
  }

  func testEveryLiveRowIsFoundAndNoDeletedRowIsReturnedAfterInsertsAndDeletes() async throws {
    let rows = clusteredRows(count: 10_000, seed: 3)
    let (store, _) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(12), "efConstruction": .int(80)]))
    await store.waitForIndexBuilds()
    // New rows land in a growing segment, searched exactly at once.
    let added = clusteredRows(count: 1500, startID: 10_000, seed: 4)
    _ = try await store.insert("docs", rows: added, partition: nil)
    let deleted = Set(stride(from: Int64(0), to: 11_500, by: 9))
    _ = try await store.delete("docs", ids: deleted.map(PrimaryKey.int), partition: nil)
    let all = rows + added
    let probes = stride(from: 0, to: all.count, by: 7).map { all[$0] }
    let results = try await store.search(
      SearchRequest(collection: "docs", vectors: probes.map(vector), topK: 3, params: ["ef": .int(64)]))
    for (probe, hits) in zip(probes, results) {
      guard case .int(let id)? = probe["id"] else { continue }
      XCTAssertFalse(hits.contains { if case .int(let hit) = $0.id { deleted.contains(hit) } else { true } })
      if !deleted.contains(id) {
        XCTAssertEqual(hits.first?.id, .int(id), "row \(id) finds itself")
        XCTAssertEqual(hits.first?.distance ?? 1, 0, accuracy: 1e-3)
      }
    }
    // After a flush the new rows are sealed and indexed too (the builder picks the segment up).
    try await store.flush()
    await store.waitForIndexBuilds()
    let status = try await store.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .finished)
    XCTAssertEqual(status.indexedRows, status.totalRows)
    // A wide beam makes the graph walk all but exhaustive: every live row must turn up.
    let again = try await store.search(
      SearchRequest(collection: "docs", vectors: probes.map(vector), topK: 1, params: ["ef": .int(256)]))
    for (probe, hits) in zip(probes, again) {
      guard case .int(let id)? = probe["id"], !deleted.contains(id) else { continue }
      // The row itself, or an identical vector with a smaller key (ties go to the smaller key).
      XCTAssertEqual(hits.first?.distance ?? 1, 0, accuracy: 1e-4, "row \(id) got \(hits)")
      if case .int(let found)? = hits.first?.id { XCTAssertLessThanOrEqual(found, id) }
    }
  }

  func testFiltersAtEverySelectivityKeepRecall() async throws {
    let rows = clusteredRows(count: 12_000, seed: 5)
    let (store, _) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(16), "efConstruction": .int(100)]))
    await store.waitForIndexBuilds()
    let queries = clusteredRows(count: 40, startID: 1_000_000, seed: 6).map(vector)
    // About 50%, 20%, 5% and 1% of the rows.
    for filter in ["id % 2 == 0", #"genre == "jazz""#, "score < 50", "score < 10"] {
      let request = SearchRequest(
        collection: "docs", vectors: queries, topK: 10, params: ["ef": .int(128)], filter: filter)
      let found = try await store.search(request)
      let truth = try await exact(store, request)
      XCTAssertGreaterThanOrEqual(recall(found.map { $0.map(\.id) }, truth), 0.95, filter)
      let exactTwin = try await store.query(
        QueryRequest(collection: "docs", filter: filter, outputFields: ["id"], limit: 16384))
      let allowed = Set(exactTwin.compactMap { $0["id"] })
      for hits in found { for hit in hits { XCTAssertTrue(allowed.contains(hit.id.value), "\(filter): \(hit.id)") } }
    }
  }

  func testIVFWithEveryListProbedEqualsExactSearch() async throws {
    let rows = clusteredRows(count: 8000, seed: 7)
    for (type, metric) in [("IVF_FLAT", Metric.l2), ("IVF_FLAT", .ip), ("IVF_FLAT", .cosine)] {
      let (store, _) = try await makeStore(rows: rows)
      try await store.createIndex(
        "docs", spec: IndexSpec(fieldName: "vector", indexType: type, metric: metric, params: ["nlist": .int(32)]))
      try await store.createIndex("exact", spec: IndexSpec(fieldName: "vector", indexType: "FLAT", metric: metric))
      await store.waitForIndexBuilds()
      let built = try await store.describeIndexes("docs")
      XCTAssertEqual(built.first?.state, .finished)
      let queries = clusteredRows(count: 20, startID: 1_000_000, seed: 8).map(vector)
      for filter in ["", "score < 300"] {
        let request = SearchRequest(
          collection: "docs", vectors: queries, topK: 10, params: ["nprobe": .int(32)], filter: filter)
        let found = try await store.search(request)
        var twin = request
        twin.collection = "exact"
        let truth = try await store.search(twin)
        XCTAssertEqual(found.map { $0.map(\.id) }, truth.map { $0.map(\.id) }, "\(type) \(metric) \(filter)")
        for (a, b) in zip(found.joined(), truth.joined()) { XCTAssertEqual(a.distance, b.distance, accuracy: 1e-3) }
      }
      await store.close()
    }
  }

  func testIVFPQAndSQ8ThroughTheEngineKeepTheirRecallFloors() async throws {
    let rows = clusteredRows(count: 6000, seed: 21)
    let (store, _) = try await makeStore(rows: rows)
    let queries = clusteredRows(count: 30, startID: 1_000_000, seed: 22).map(vector)
    // Measured here with every list probed: IVF_SQ8 0.987, IVF_PQ (m=8 of 4 dims, 256 centroids each)
    // 0.54. PQ without re-ranking blurs near neighbours in this noise by design (FAISS and Milvus too);
    // the floors leave room for k-means seeds, not for a broken scan (which falls far below).
    for (type, params, floor) in [
      ("IVF_SQ8", ["nlist": JSONValue.int(16)], 0.95),
      ("IVF_PQ", ["nlist": .int(16), "m": .int(8), "nbits": .int(8)], 0.45),
    ] {
      try? await store.releaseCollection("docs")
      try? await store.dropIndex("docs", indexName: "vector")
      try await store.loadCollection("docs", progress: nil)
      try await store.createIndex(
        "docs", spec: IndexSpec(fieldName: "vector", indexType: type, metric: .l2, params: params))
      await store.waitForIndexBuilds()
      let status = try await store.describeIndexes("docs")[0]
      XCTAssertEqual(status.state, .finished, type)
      XCTAssertEqual(status.indexedRows, 6000, type)
      let request = SearchRequest(collection: "docs", vectors: queries, topK: 10, params: ["nprobe": .int(16)])
      let found = try await store.search(request).map { $0.map(\.id) }
      XCTAssertEqual(found.map(\.count), Array(repeating: 10, count: 30), type)
      let truth = try await exact(store, request)
      XCTAssertGreaterThanOrEqual(recall(found, truth), floor, type)
    }
    await store.close()
  }

  func testIndexesPersistAndAReopenedStoreGivesIdenticalResults() async throws {
    let rows = clusteredRows(count: 9000, seed: 9)
    let (store, directory) = try await makeStore(rows: rows)
    for (collection, type, params) in [
      ("docs", "HNSW", ["M": JSONValue.int(8), "efConstruction": .int(64)]), ("exact", "IVF_SQ8", ["nlist": .int(16)]),
    ] {
      try await store.createIndex(
        collection, spec: IndexSpec(fieldName: "vector", indexType: type, metric: .ip, params: params))
    }
    await store.waitForIndexBuilds()
    let queries = clusteredRows(count: 20, startID: 1_000_000, seed: 10).map(vector)
    var before: [[SearchHit]] = []
    for (collection, params) in [("docs", ["ef": JSONValue.int(32)]), ("exact", ["nprobe": .int(4)])] {
      before += try await store.search(
        SearchRequest(collection: collection, vectors: queries, topK: 10, params: params, filter: "year > 1960"))
    }
    await store.close()

    let reopened = try EmbeddedBackend(directory: directory)
    var after: [[SearchHit]] = []
    for (collection, params) in [("docs", ["ef": JSONValue.int(32)]), ("exact", ["nprobe": .int(4)])] {
      after += try await reopened.search(
        SearchRequest(collection: collection, vectors: queries, topK: 10, params: params, filter: "year > 1960"))
    }
    XCTAssertEqual(after, before)
    let statuses = try await reopened.describeIndexes("docs") + reopened.describeIndexes("exact")
    XCTAssertEqual(statuses.map(\.state), [.finished, .finished])
    await reopened.close()
  }

  func testACorruptIndexFileIsReportedSearchStaysExactAndTheIndexCanBeRebuilt() async throws {
    let rows = clusteredRows(count: 6000, seed: 11)
    let (store, directory) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(8), "efConstruction": .int(40)]))
    await store.waitForIndexBuilds()
    await store.close()
    let collectionDirectory = directory + "/databases/default/collections/docs"
    let files = try FileManager.default.contentsOfDirectory(atPath: collectionDirectory).filter { $0.contains(".idx") }
    XCTAssertFalse(files.isEmpty)
    let path = collectionDirectory + "/" + files.sorted()[0]
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x5A
    try bytes.write(to: URL(fileURLWithPath: path))

    let reopened = try EmbeddedBackend(directory: directory)
    let queries = clusteredRows(count: 10, startID: 1_000_000, seed: 12).map(vector)
    let request = SearchRequest(collection: "docs", vectors: queries, topK: 5, params: ["ef": .int(40)])
    let found = try await reopened.search(request).map { $0.map(\.id) }
    let truth = try await exact(reopened, request)
    XCTAssertGreaterThanOrEqual(recall(found, truth), 0.9, "other segments still indexed")
    var status = try await reopened.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .failed)
    XCTAssertTrue(
      status.failReason.contains("corrupt file") && status.failReason.contains(files.sorted()[0]), status.failReason)
    // The same definition again rebuilds it.
    try await reopened.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(8), "efConstruction": .int(40)]))
    await reopened.waitForIndexBuilds()
    status = try await reopened.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .finished)
    XCTAssertEqual(status.indexedRows, 6000)
    XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the corrupt file of the old generation is gone")
    await reopened.close()
  }

  func testCancellingABuildLeavesTheCollectionSearchableAndTheStateRight() async throws {
    let rows = clusteredRows(count: 15_000, seed: 13)
    let (store, directory) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(32), "efConstruction": .int(400)]))
    // Closing the store cancels the running build; the definition stays and resumes on reopen.
    await store.close()
    let reopened = try EmbeddedBackend(directory: directory)
    let status = try await reopened.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .inProgress)
    XCTAssertLessThan(status.indexedRows, 15_000)
    let queries = clusteredRows(count: 10, startID: 1_000_000, seed: 14).map(vector)
    let request = SearchRequest(collection: "docs", vectors: queries, metric: .l2, topK: 5)
    var searched = try await reopened.search(request).map { $0.map(\.id) }
    var truth = try await exact(reopened, request)
    XCTAssertEqual(searched, truth)
    // Dropping the index (after a release, as in Milvus) cancels the build that the search resumed.
    try await reopened.releaseCollection("docs")
    try await reopened.dropIndex("docs", indexName: "vector")
    try await reopened.loadCollection("docs", progress: nil)
    await reopened.waitForIndexBuilds()
    let remaining = try await reopened.describeIndexes("docs")
    XCTAssertEqual(remaining, [])
    searched = try await reopened.search(request).map { $0.map(\.id) }
    truth = try await exact(reopened, request)
    XCTAssertEqual(searched, truth)
    let leftovers = try FileManager.default.contentsOfDirectory(
      atPath: directory + "/databases/default/collections/docs"
    )
    .filter { $0.contains(".idx") }
    XCTAssertEqual(leftovers, [], "a cancelled build leaves no file behind")
    await reopened.close()
  }

  func testAnIndexStaysInProgressUntilItsRunningJobIsCommitted() async throws {
    let (store, directory) = try await makeStore(rows: clusteredRows(count: 5000, seed: 17))
    await store.close()
    let collection = try Collection.open(directory: directory + "/databases/default/collections/docs", readOnly: false)
    defer { collection.close() }
    try collection.createIndex(
      IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(8), "efConstruction": .int(32)]))
    try collection.materialize()
    let job = try XCTUnwrap(collection.nextIndexJob())
    // Every row processed, the file not written yet: a waiter that stopped now would lose the index.
    job.control.advance(by: 5000)
    var status = try XCTUnwrap(collection.indexStatuses().first)
    XCTAssertEqual(status.state, .inProgress)
    XCTAssertEqual(status.indexedRows, 5000)
    collection.commitIndexJob(job, outcome: job.run())
    status = try XCTUnwrap(collection.indexStatuses().first)
    XCTAssertEqual(status.state, .finished)
    XCTAssertEqual(status.indexedRows, 5000)
  }

  func testABuildLeftUnfinishedResumesWhenAWriterDescribesTheIndex() async throws {
    let rows = clusteredRows(count: 10_000, seed: 19)
    let (store, directory) = try await makeStore(rows: rows)
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "IVF_SQ8", metric: .l2, params: ["nlist": .int(64)]))
    await store.close()  // cancels the build

    // Only describing, as the explorer's index pane does: no load, no search.
    var reopened = try EmbeddedBackend(directory: directory)
    var status = try await reopened.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .inProgress)
    let deadline = ContinuousClock.now + .seconds(120)
    while status.state == .inProgress, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(20))
      status = try await reopened.describeIndexes("docs")[0]
    }
    XCTAssertEqual(status.state, .finished)
    XCTAssertEqual(status.indexedRows, 10_000)
    // Closing as soon as the state says finished keeps the index: nothing is left to build.
    await reopened.close()
    reopened = try EmbeddedBackend(directory: directory, readOnly: true)
    status = try await reopened.describeIndexes("docs")[0]
    XCTAssertEqual(status.state, .finished)
    XCTAssertEqual(status.indexedRows, 10_000)
    XCTAssertGreaterThan(status.memoryBytes ?? 0, 0, "the segments' index files are there")
    await reopened.close()
  }

  func testABuildThatCannotReadItsRowsFailsSayingWhy() async throws {
    let (store, directory) = try await makeStore(rows: clusteredRows(count: 10_000, seed: 23))
    try await store.createIndex(
      "docs", spec: IndexSpec(fieldName: "vector", indexType: "IVF_FLAT", metric: .l2, params: ["nlist": .int(16)]))
    await store.close()  // cancels the build
    let folder = directory + "/databases/default/collections/docs"
    let segment = try XCTUnwrap(
      FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".vss") }.sorted().first)
    var bytes = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/" + segment))
    bytes[bytes.count / 2] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: folder + "/" + segment))

    // Describing resumes the build; it cannot read the rows, and says so instead of building forever.
    let reopened = try EmbeddedBackend(directory: directory)
    var status = try await reopened.describeIndexes("docs")[0]
    let deadline = ContinuousClock.now + .seconds(60)
    while status.state == .inProgress, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(10))
      status = try await reopened.describeIndexes("docs")[0]
    }
    XCTAssertEqual(status.state, .failed)
    XCTAssertTrue(status.failReason.hasPrefix("cannot read the rows to index: "), status.failReason)
    XCTAssertTrue(status.failReason.contains(segment), status.failReason)
    await reopened.close()
  }

  func testBadIndexParametersNameTheParameterAndTheRange() async throws {
    let (store, _) = try await makeStore(rows: clusteredRows(count: 500, seed: 15))
    let cases: [(String, [String: JSONValue], String)] = [
      ("HNSW", ["M": .int(1), "efConstruction": .int(100)], "param 'M' (1) should be in range [2, 2048]"),
      ("HNSW", ["efConstruction": .int(100)], "param 'M' is required for HNSW"),
      (
        "HNSW", ["M": .int(16), "efconstruction": .int(100)],
        "unknown param 'efconstruction' for HNSW; it takes 'M', 'efConstruction'"
      ),
      ("IVF_FLAT", ["nlist": .int(1024)], "param 'nlist' (1024) should not be larger than the number of rows (500)"),
      ("IVF_PQ", ["nlist": .int(16), "m": .int(5)], "should be a multiple of param 'm' (5)"),
      ("IVF_PQ", ["nlist": .int(16), "m": .int(8), "nbits": .int(12)], "param 'nbits' (12) should be in range [1, 8]"),
      ("DISKANN", [:], "invalid index type: DISKANN"),
    ]
    for (type, params, message) in cases {
      do {
        try await store.createIndex(
          "docs", spec: IndexSpec(fieldName: "vector", indexType: type, metric: .l2, params: params))
        XCTFail("\(type) \(params) was accepted")
      } catch let error as VectorError {
        XCTAssertTrue(error.description.contains(message), "\(error.description) lacks \(message)")
      }
    }
    try await store.createIndex(
      "docs",
      spec: IndexSpec(
        fieldName: "vector", indexType: "HNSW", metric: .l2, params: ["M": .int(8), "efConstruction": .int(32)]))
    do {
      _ = try await store.search(
        SearchRequest(
          collection: "docs", vectors: [Array(repeating: 0, count: Self.dim)], topK: 20, params: ["ef": .int(10)]))
      XCTFail("ef below topK was accepted")
    } catch let error as VectorError {
      XCTAssertEqual(error.description, "param 'ef' (10) should be in range [topk (20), 32768]")
    }
    // AUTOINDEX is HNSW with Milvus's defaults.
    try await store.createIndex("exact", spec: IndexSpec(fieldName: "vector", indexType: "AUTOINDEX", metric: .ip))
    let auto = try await store.describeIndexes("exact")[0]
    XCTAssertEqual(auto.spec.indexType, "AUTOINDEX")
    XCTAssertEqual(auto.spec.params, ["M": .int(18), "efConstruction": .int(240)])
    await store.close()
  }
}
