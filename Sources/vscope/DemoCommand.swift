import ArgumentParser
import Foundation
import Model

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
      The same seed always gives the same data. Existing demo collections are kept unless --replace.
      """)

  @OptionGroup var backend: BackendOptions
  @Option(help: "Rows in catalog.") var catalogRows = 100_000
  @Flag(help: "Drop and recreate demo collections that already exist.") var replace = false

  func run() async throws {
    let started = ContinuousClock.now
    try await withBackend(backend, writable: true) { store in
      let existing = Set(try await store.listCollections().map(\.name))
      for name in ["colors", "catalog"] where existing.contains(name) {
        guard replace else { throw UserError("collection \(name) already exists; use --replace to recreate it") }
        try await store.dropCollection(name)
      }
      try await store.createCollection(DemoData.colorsSchema)
      let colors = DemoData.colors()
      _ = try await store.insert("colors", rows: colors, partition: nil)
      try await store.createIndex("colors", spec: IndexSpec(fieldName: "lab", indexType: "FLAT", metric: .l2))
      Console.info("colors: \(colors.count) colours")

      try await store.createCollection(DemoData.catalogSchema)
      var written = 0
      while written < catalogRows {
        let batch = DemoData.catalog(written..<min(written + 5000, catalogRows))
        _ = try await store.insert("catalog", rows: batch, partition: nil)
        written += batch.count
        Console.progress("catalog: \(written)/\(catalogRows) rows")
      }
      Console.endProgress()
      Console.info("catalog: \(catalogRows) products")
      let indexes = [
        IndexSpec(
          fieldName: "embedding", indexType: "HNSW", metric: .cosine,
          params: ["M": .int(16), "efConstruction": .int(100)]),
        IndexSpec(
          fieldName: "style", indexType: "IVF_SQ8", metric: .l2,
          params: ["nlist": .int(Int64(max(1, min(256, catalogRows / 64))))]),
      ]
      for spec in indexes {
        try await store.createIndex("catalog", spec: spec)
        try await waitForIndex(store, collection: "catalog", indexName: spec.indexName)
      }
    }
    Console.info("demo ready in \(Format.elapsed(since: started)); open it with `vscope`")
  }

  private func waitForIndex(_ store: any VectorBackend, collection: String, indexName: String) async throws {
    while true {
      guard let status = try await store.describeIndexes(collection).first(where: { $0.spec.indexName == indexName })
      else { return }
      switch status.state {
      case .finished, .none:
        Console.endProgress()
        Console.info("\(collection).\(status.spec.fieldName): \(status.spec.indexType) index built")
        return
      case .failed: throw UserError("index \(indexName) failed: \(status.failReason)")
      default:
        Console.progress(
          "indexing \(collection).\(status.spec.fieldName): \(status.indexedRows)/\(status.totalRows) rows")
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }
}
