import DataFormats
import Foundation
import Model
import Testing

@Suite struct ReaderTests {
  static let schema = CollectionSchema(
    name: "c",
    fields: [
      FieldSchema(name: "id", type: .int64, isPrimary: true),
      FieldSchema(name: "v", type: .floatVector, dim: 2),
    ])

  static func lines(_ count: Int, badAt: Int? = nil) -> String {
    (1...count).map { id in
      id == badAt ? "{\"id\": \(id), \"v\": [1]}" : "{\"id\": \(id), \"v\": [\(id), 0.5]}"
    }.joined(separator: "\n") + "\n"
  }

  /// A last line without a newline, in a file larger than the read buffer: reading it moves the
  /// line to the front of the buffer before the end of the file is seen (this used to crash).
  @Test func lastLineWithoutNewlineAfterTheBufferRefills() throws {
    let scratch = try Scratch()
    var text = Self.lines(60_000)
    text.removeLast()
    #expect(text.utf8.count > 1 << 20)
    let path = scratch.write("large.jsonl", text)
    var reader = try RowReader(path: path, format: .jsonLines, schema: Self.schema)
    var ids: [Int64] = []
    while let batch = try reader.nextBatch(maxRows: 7_000) {
      for row in batch { if case .int(let id)? = row["id"] { ids.append(id) } }
    }
    #expect(ids == Array(1...60_000))
  }

  @Test func batchesRespectMaxRows() throws {
    let scratch = try Scratch()
    let path = scratch.write("b.jsonl", Self.lines(10))
    var reader = try RowReader(path: path, format: .jsonLines, schema: Self.schema)
    var sizes: [Int] = []
    while let batch = try reader.nextBatch(maxRows: 3) { sizes.append(batch.count) }
    #expect(sizes == [3, 3, 3, 1])
    #expect(try reader.nextBatch(maxRows: 3) == nil)
    var exact = try RowReader(path: path, format: nil, schema: Self.schema)
    #expect(try exact.nextBatch(maxRows: 10)?.count == 10)
    #expect(try exact.nextBatch(maxRows: 10) == nil)
    var ids: [Row] = []
    var ones = try RowReader(path: path, format: nil, schema: Self.schema)
    while let batch = try ones.nextBatch(maxRows: 0) {
      #expect(batch.count == 1)
      ids += batch
    }
    #expect(ids.map { $0["id"] } == (1...10).map { .int(Int64($0)) })
    for format in ["csv"] {
      _ = format
      let csv = scratch.write("b.csv", "id,v\n" + (1...10).map { "\($0),\"[\($0),1]\"" }.joined(separator: "\n"))
      var reader = try RowReader(path: csv, format: nil, schema: Self.schema)
      var sizes: [Int] = []
      while let batch = try reader.nextBatch(maxRows: 5) { sizes.append(batch.count) }
      #expect(sizes == [5, 5])
    }
  }

  @Test func aBatchNeverHoldsRowsAfterABadRow() throws {
    let scratch = try Scratch()
    let path = scratch.write("bad.jsonl", Self.lines(10, badAt: 5))
    var reader = try RowReader(path: path, format: nil, schema: Self.schema)
    let first = try reader.nextBatch(maxRows: 3)
    #expect(first?.count == 3)
    let message = "\(path) line 5: the dim (1) of field data(v) is not equal to schema dim (2)"
    #expect(throws: ImportError.self) { _ = try reader.nextBatch(maxRows: 3) }
    do {
      _ = try reader.nextBatch(maxRows: 3)
      Issue.record("the reader went on after an error")
    } catch {
      #expect(error.description == message)
      #expect(error.line == 5)
    }
    // With one big batch, nothing is returned at all.
    var whole = try RowReader(path: path, format: nil, schema: Self.schema)
    #expect(throws: ImportError.self) { _ = try whole.nextBatch(maxRows: 1000) }
    #expect(whole.rowsRead == 0)
  }

  @Test func twentyThousandRowsStreamInSeveralBatches() throws {
    let scratch = try Scratch()
    let dim = 128
    let schema = CollectionSchema(
      name: "big",
      fields: [
        FieldSchema(name: "id", type: .int64, isPrimary: true),
        FieldSchema(name: "v", type: .floatVector, dim: dim),
        FieldSchema(name: "score", type: .float),
        FieldSchema(name: "name", type: .varChar, maxLength: 32),
      ])
    var random = SeededRandom(seed: 99)
    var rows: [Row] = []
    rows.reserveCapacity(20_000)
    for id in 0..<20_000 {
      let vector = (0..<dim).map { _ in Float.random(in: -1...1, using: &random) }
      rows.append([
        "id": .int(Int64(id)), "v": .floatVector(vector), "score": .double(Double(Float(id) / 7)),
        "name": .string("row \(id)"),
      ])
    }
    let path = scratch.path("big.jsonl")
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    var writer = JSONLinesWriter(fileHandle: handle, schema: schema)
    try writer.write(rows)
    try writer.flush()
    try handle.close()
    #expect(writer.bytesWritten > 10_000_000)

    var reader = try RowReader(path: path, format: nil, schema: schema)
    #expect(reader.totalBytes == writer.bytesWritten)
    var batches = 0
    var count = 0
    var lastProgress: Int64 = 0
    let clock = ContinuousClock()
    let start = clock.now
    while let batch = try reader.nextBatch(maxRows: 1500) {
      #expect(batch.count <= 1500)
      #expect(batch.first == rows[count])
      #expect(batch.last == rows[count + batch.count - 1])
      count += batch.count
      batches += 1
      #expect(reader.bytesRead > lastProgress)
      #expect(reader.bytesRead < reader.totalBytes || count == rows.count)
      lastProgress = reader.bytesRead
    }
    let elapsed = clock.now - start
    print("read 20k rows of dim \(dim) (\(writer.bytesWritten) bytes) in \(elapsed)")
    #expect(count == 20_000)
    #expect(batches == 14)
    #expect(reader.bytesRead == reader.totalBytes)

    // The same rows as CSV.
    let csvPath = scratch.write(
      "big.csv", csvText(rows, columns: ["id", "v", "score", "name"], floatColumns: ["score"], lineEnding: "\n"))
    var csv = try RowReader(path: csvPath, format: nil, schema: schema)
    var csvCount = 0
    var csvBatches = 0
    while let batch = try csv.nextBatch(maxRows: 5000) {
      #expect(batch == Array(rows[csvCount..<csvCount + batch.count]))
      csvCount += batch.count
      csvBatches += 1
    }
    #expect(csvCount == 20_000)
    #expect(csvBatches == 4)

    // The same rows as one pretty JSON array, and the vectors as .fvecs: both cross many chunk boundaries.
    let arrayPath = scratch.path("big.json")
    _ = FileManager.default.createFile(atPath: arrayPath, contents: nil)
    let arrayHandle = try #require(FileHandle(forWritingAtPath: arrayPath))
    try arrayHandle.write(contentsOf: Data("[\n".utf8))
    for (index, row) in rows.enumerated() {
      let separator = index + 1 < rows.count ? ",\n" : "\n]\n"
      try arrayHandle.write(contentsOf: Data(("  " + JSONLinesWriter.line(for: row, schema: schema) + separator).utf8))
    }
    try arrayHandle.close()
    var array = try RowReader(path: arrayPath, format: nil, schema: schema)
    var arrayCount = 0
    while let batch = try array.nextBatch(maxRows: 7000) {
      #expect(batch == Array(rows[arrayCount..<arrayCount + batch.count]))
      arrayCount += batch.count
    }
    #expect(arrayCount == 20_000)

    var vectorSchema = schema
    vectorSchema.fields[0].autoID = true
    vectorSchema.fields[2].nullable = true
    vectorSchema.fields[3].defaultValue = .string("none")
    let vectors = rows.map { row -> [Float] in
      if case .floatVector(let vector)? = row["v"] { return vector }
      return []
    }
    let fvecs = scratch.write("big.fvecs", bytes: fvecsBytes(vectors))
    var fvecsReader = try RowReader(path: fvecs, format: nil, schema: vectorSchema)
    var fvecsCount = 0
    while let batch = try fvecsReader.nextBatch(maxRows: 3000) {
      for (offset, row) in batch.enumerated() {
        #expect(row == ["v": .floatVector(vectors[fvecsCount + offset]), "score": .null, "name": .string("none")])
      }
      fvecsCount += batch.count
    }
    #expect(fvecsCount == 20_000)
    #expect(fvecsReader.bytesRead == fvecsReader.totalBytes)
  }

  @Test func formatDetection() throws {
    #expect(ImportFormat(path: "a/b/rows.JSONL") == .jsonLines)
    #expect(ImportFormat(path: "rows.ndjson") == .jsonLines)
    #expect(ImportFormat(path: "rows.json") == .jsonLines)
    #expect(ImportFormat(path: "x.csv") == .csv)
    #expect(ImportFormat(path: "x.fvecs") == .fvecs)
    #expect(ImportFormat(path: "x.npy") == .npy)
    #expect(ImportFormat(path: "x.txt") == nil)
    #expect(ImportFormat(path: "dir.csv/file") == nil)
    #expect(ImportFormat(path: ".csv") == nil)
    #expect(ImportFormat(name: "NDJSON") == .jsonLines)
    #expect(ImportFormat(name: ".npy") == .npy)

    let scratch = try Scratch()
    let jsonl = scratch.write("rows.data", Self.lines(2))
    var sniffed = try RowReader(path: jsonl, format: nil, schema: Self.schema)
    #expect(sniffed.format == .jsonLines)
    #expect(try sniffed.readAll().count == 2)
    let csv = scratch.write("rows.txt", "id,v\n1,\"[1,2]\"\n")
    #expect(importError(csv, schema: Self.schema)?.contains("cannot tell the file's format") == true)
    var overridden = try RowReader(path: csv, format: .csv, schema: Self.schema)
    #expect(try overridden.readAll() == [["id": .int(1), "v": .floatVector([1, 2])]])
    let missing = scratch.path("nope.jsonl")
    #expect(importError(missing, schema: Self.schema) == "\(missing): cannot open the file: No such file or directory")
    #expect(
      importError(scratch.directory, schema: Self.schema, format: .csv)
        == "\(scratch.directory): is a directory, not a file")
  }
}
