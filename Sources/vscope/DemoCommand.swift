import ArgumentParser
import Foundation
import Model
import TUI

/// `vscope demo`: creates the demo collections, deterministically, with no download.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Create the demo collections: colors (named colours in CIELAB) and catalog (100k products).",
    discussion: """
      colors   2,980 named colours; the vector is the colour in CIELAB, so neighbours look alike.
               Try: vscope search colors --like 1 --fields name,hex --metric L2
      catalog  100,000 products with a 128-d `embedding` (HNSW, COSINE), a 32-d `style` (IVF_SQ8, L2)
               and fields of every kind (category, price, year, rating, in_stock, tags, attrs JSON).
               Try: vscope search catalog --like 42 --field embedding --filter 'price < 50' --fields title,price
      texts    with --text: 300 short sentences on twelve topics, embedded by your embedding command
               (--embed-cmd, or embed_cmd in the config file; scripts/embed-minilm.py is a worked example).
               Try: vscope search texts --text "a storm is coming" --fields text,topic
      The same seed always gives the same data. Existing demo collections are kept unless --replace.
      """)

  @OptionGroup var backend: BackendOptions
  @Option(help: "Rows in catalog.") var catalogRows = 100_000
  @Flag(help: "Drop and recreate demo collections that already exist.") var replace = false
  @Flag(help: "Also create texts: short sentences embedded by the embedding command.") var text = false
  @OptionGroup var embed: EmbedCommandOption

  func validate() throws {
    if embed.command != nil, !text { throw ValidationError("--embed-cmd goes with --text") }
  }

  func run() async throws {
    let started = ContinuousClock.now
    // Embedded first, so that a failing embedding command leaves the store as it was.
    let textVectors = text ? try await embedDemoTexts() : nil
    try await withBackend(backend, writable: true) { store in
      try await DemoData.install(
        into: store, catalogRows: catalogRows, textVectors: textVectors, replace: replace
      ) { event in
        switch event {
        case .step(let line, _):
          Console.endProgress()
          Console.info(line)
        case .progress(let note, _):
          Console.progress(note)
        }
      }
    }
    Console.endProgress()
    Console.info("demo ready in \(Format.elapsed(since: started)); open it with `vscope`")
  }

  /// The vectors of the demo sentences, from one batch run of the embedding command when it
  /// batches (see `EmbeddingCommand.embedBatch`), else one run per sentence.
  private func embedDemoTexts() async throws -> [[Float]] {
    let embedder = try Search.embedder(embed.command)
    let texts = DemoTexts.sentences.map(\.text)
    Console.progress("texts: embedding \(texts.count) sentences")
    let vectors: [[Float]]
    do {
      vectors = try await embedder.embedBatch(texts) { done in
        Console.progress("texts: embedded \(done)/\(texts.count) sentences")
      }
    } catch {
      Console.endProgress()
      throw UserError("demo --text: \(error.message)")
    }
    Console.endProgress()
    guard let dim = vectors.first?.count, dim > 0, vectors.allSatisfy({ $0.count == dim }) else {
      throw UserError("demo --text: the embedding command returned vectors of different lengths")
    }
    guard dim <= 32768 else {
      throw UserError("demo --text: the embedding command returned \(dim) values; at most 32768")
    }
    return vectors
  }
}

extension DemoData {
  /// What creating the demo reports: a step done (a line to print), or progress within a step;
  /// both with the fraction of the whole work done (0…1).
  enum InstallEvent: Sendable {
    case step(String, fraction: Double)
    case progress(String, fraction: Double)
  }

  /// The explorer's first-run offer: creates the demo collections with the command's defaults.
  static let installer = DemoInstaller { store, progress in
    try await install(into: store, replace: false) { event in
      switch event {
      case .step(let note, let fraction), .progress(let note, let fraction): progress(note, fraction)
      }
    }
  }

  /// Creates `colors` and `catalog` (with their indexes) in `store`: `vscope demo` and the
  /// explorer's first-run offer. Existing demo collections are an error unless `replace`. When
  /// the task is cancelled, the collections made so far are dropped again.
  static func install(
    into store: any VectorBackend, catalogRows: Int = 100_000, textVectors: [[Float]]? = nil, replace: Bool,
    report: @Sendable (InstallEvent) -> Void
  ) async throws {
    let existing = Set(try await store.listCollections().map(\.name))
    let names = ["colors", "catalog"] + (textVectors == nil ? [] : [DemoTexts.collection])
    for name in names where existing.contains(name) {
      guard replace else { throw UserError("collection \(name) already exists; use --replace to recreate it") }
      try await store.dropCollection(name)
    }
    do {
      try await createCollections(in: store, catalogRows: catalogRows, report: report)
      if let textVectors {
        try await store.createCollection(DemoTexts.schema(dim: textVectors[0].count))
        _ = try await store.insert(DemoTexts.collection, rows: DemoTexts.rows(vectors: textVectors), partition: nil)
        try await store.createIndex(
          DemoTexts.collection, spec: IndexSpec(fieldName: "embedding", indexType: "FLAT", metric: .cosine))
        report(.step("texts: \(textVectors.count) sentences, \(textVectors[0].count)-d", fraction: 1))
      }
    } catch {
      guard Task.isCancelled || error is CancellationError || (error as? VectorError) == .cancelled else { throw error }
      // Not cancelled itself, so that the cleanup runs to its end.
      await Task {
        for name in names { try? await store.dropCollection(name) }
      }.value
      throw error
    }
  }

  private static func createCollections(
    in store: any VectorBackend, catalogRows: Int, report: @Sendable (InstallEvent) -> Void
  ) async throws {
    // Rough shares of the whole time: colours, catalog rows, then the two indexes.
    let rowsShare = 0.45
    report(.progress("colors: creating 2,980 colours", fraction: 0))
    try await store.createCollection(DemoData.colorsSchema)
    let colors = DemoData.colors()
    _ = try await store.insert("colors", rows: colors, partition: nil)
    try await store.createIndex("colors", spec: IndexSpec(fieldName: "lab", indexType: "FLAT", metric: .l2))
    report(.step("colors: \(colors.count) colours", fraction: 0.05))

    try await store.createCollection(DemoData.catalogSchema)
    var written = 0
    while written < catalogRows {
      try Task.checkCancellation()
      let batch = DemoData.catalog(written..<min(written + 5000, catalogRows))
      _ = try await store.insert("catalog", rows: batch, partition: nil)
      written += batch.count
      report(
        .progress(
          "catalog: \(written)/\(catalogRows) rows",
          fraction: 0.05 + rowsShare * Double(written) / Double(max(1, catalogRows))))
    }
    report(.step("catalog: \(catalogRows) products", fraction: 0.05 + rowsShare))
    let indexes = [
      IndexSpec(
        fieldName: "embedding", indexType: "HNSW", metric: .cosine,
        params: ["M": .int(16), "efConstruction": .int(100)]),
      IndexSpec(
        fieldName: "style", indexType: "IVF_SQ8", metric: .l2,
        params: ["nlist": .int(Int64(max(1, min(256, catalogRows / 64))))]),
    ]
    for (number, spec) in indexes.enumerated() {
      try Task.checkCancellation()
      // HNSW takes most of the index time.
      let (from, share) = number == 0 ? (0.5, 0.4) : (0.9, 0.1)
      try await store.createIndex("catalog", spec: spec)
      _ = try await waitForIndexBuild(store, collection: "catalog", indexName: spec.indexName) { status in
        let (done, total) = (status.indexedRows, status.totalRows)
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        report(
          .progress(
            "indexing catalog.\(spec.fieldName): \(done)/\(total) rows", fraction: from + share * fraction))
      }
      report(.step("catalog.\(spec.fieldName): \(spec.indexType) index built", fraction: from + share))
    }
  }
}
