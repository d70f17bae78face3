import Model

extension ExplorerState {
  /// `R` on the results page: runs the shown search again exactly (same vector, field, metric,
  /// filter, partitions and topK, no index) and reports recall@k and the neighbours the index
  /// missed. Above the size guard's limit the first `R` asks, and a second `R` scans anyway.
  mutating func measureRecall(effects: inout [Effect]) {
    let key = keymap.keyLabel(for: .measureRecall) ?? "R"
    guard page == .results, let results else {
      status = StatusMessage("\(key) measures the recall of search results: run a search first (s)", isError: true)
      return
    }
    guard !results.vector.isEmpty else {
      status = StatusMessage("these results have no query vector to search with again", isError: true)
      return
    }
    let request = results.exactRequest
    let confirmed = recallConfirmation == request
    recallConfirmation = nil
    effects += start(.recall(request, maxRows: confirmed ? nil : recallLimit))
  }

  /// The exact search came back: the results it belongs to get their recall report.
  mutating func applyRecall(_ request: SearchRequest, exact: [SearchHit], latency: Duration) {
    guard var shown = results, shown.exactRequest == request else {
      status = StatusMessage("the exact search finished after its results were left; \(request.collection) unchanged")
      return
    }
    let report = Recall.report(ann: shown.hits, exact: exact)
    shown.recall = report
    results = shown
    status = StatusMessage(
      "\(report.summary): the exact search of \(request.collection) compared with the index's", latency: latency)
  }

  /// The exact search would scan more than the size guard allows: a second `R` confirms.
  mutating func askToConfirmRecall(_ request: SearchRequest, rows: Int) {
    recallConfirmation = request
    let key = keymap.keyLabel(for: .measureRecall) ?? "R"
    let limit = recallLimit
    status = StatusMessage(
      "the exact search would scan \(Format.grouped(rows)) entities of \(request.collection), above the limit of "
        + "\(Format.grouped(limit)): press \(key) again to scan them all",
      isError: true)
  }

  /// Rows of hits the results table shows: fewer when the missed neighbours need the room (every
  /// hit while that leaves the heading, a missed row and a "more" line; at least half the page).
  var resultsTableRows: Int {
    let rows = Layout(size: size).resultRows
    guard let results, let report = results.recall, !report.missed.isEmpty else { return rows }
    let wanted = 1 + report.missed.count
    if results.hits.count + wanted <= rows { return rows }
    return max(1, rows / 2, min(results.hits.count, rows - 3), rows - wanted)
  }
}

extension SearchResults {
  /// The search as it ran, with its query vector: what the exact search repeats.
  var exactRequest: SearchRequest {
    var request = query.request
    request.vectors = [vector]
    return request
  }
}

extension ExplorerRuntime {
  /// The exact search behind `Request.recall`: counts first and answers `recallTooLarge` above
  /// `maxRows` (nil: no limit), then reports the scan's progress as a bar and "1,000 of 5,000
  /// entities".
  nonisolated static func exactSearch(
    _ request: SearchRequest, maxRows: Int?, on backend: any VectorBackend,
    progress: (@Sendable (String) -> Void)?
  ) async throws -> OperationResult {
    let limits = ExactSearchLimits(maxRows: maxRows)
    if maxRows != nil {
      let rows = try await backend.count(request.collection, filter: request.filter, partitions: request.partitions)
      if !limits.allows(rows: rows) { return .recallTooLarge(request, rows: rows) }
      try Task.checkCancellation()
    }
    let exact = try await backend.exactSearch(request, limits: limits) { scanned, total in
      progress?(Format.progress(done: scanned, of: total, "entities"))
    }
    return .recall(request, exact: exact.first ?? [])
  }
}
