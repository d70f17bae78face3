import DataFormats
import Foundation
import Model
import Testing

@Suite struct VectorFileTests {
  static func schema(dim: Int = 8, autoID: Bool = true) -> CollectionSchema {
    CollectionSchema(
      name: "vectors",
      fields: [
        FieldSchema(name: "pk", type: .int64, isPrimary: true, autoID: autoID),
        FieldSchema(name: "emb", type: .floatVector, dim: dim),
        FieldSchema(name: "note", type: .varChar, maxLength: 8, nullable: true),
        FieldSchema(name: "rank", type: .int64, defaultValue: .int(1)),
      ])
  }

  static func randomVectors(_ count: Int, dim: Int, seed: UInt64 = 7) -> [[Float]] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in (0..<dim).map { _ in Float.random(in: -10...10, using: &random) } }
  }

  static func expectedRows(_ vectors: [[Float]]) -> [Row] {
    vectors.map { ["emb": .floatVector($0), "note": .null, "rank": .int(1)] }
  }

  @Test func fvecsReadsBackExactly() throws {
    let scratch = try Scratch()
    let vectors = Self.randomVectors(1000, dim: 8)
    let path = scratch.write("base.fvecs", bytes: fvecsBytes(vectors))
    var reader = try RowReader(path: path, format: nil, schema: Self.schema())
    #expect(reader.format == .fvecs)
    #expect(reader.totalBytes == Int64(1000 * 36))
    var rows: [Row] = []
    var batches = 0
    while let batch = try reader.nextBatch(maxRows: 300) {
      batches += 1
      rows += batch
    }
    #expect(batches == 4)
    #expect(rows == Self.expectedRows(vectors))
    #expect(reader.bytesRead == reader.totalBytes)
    #expect(reader.rowsRead == 1000)
  }

  @Test func fvecsErrors() throws {
    let scratch = try Scratch()
    let vectors = Self.randomVectors(20, dim: 8)
    var bytes = fvecsBytes(vectors)
    let truncated = scratch.write("t.fvecs", bytes: Array(bytes.dropLast(5)))
    #expect(
      importError(truncated, schema: Self.schema())
        == "\(truncated): row 20 is truncated: it needs 36 bytes (dimension 8), the file ends after 31")
    let header = scratch.write("h.fvecs", bytes: bytes + [8, 0])
    #expect(
      importError(header, schema: Self.schema())
        == "\(header): row 21 is truncated: the file ends inside its 4-byte dimension")
    var mixed = vectors
    mixed[11] = Array(mixed[11].prefix(5))
    let ragged = scratch.write("r.fvecs", bytes: fvecsBytes(mixed))
    #expect(importError(ragged, schema: Self.schema()) == "\(ragged): row 12 has dimension 5 but the first row has 8")
    let wrongDim = scratch.write("w.fvecs", bytes: fvecsBytes(Self.randomVectors(3, dim: 6)))
    #expect(
      importError(wrongDim, schema: Self.schema())
        == "\(wrongDim): row 1: the dim (6) of field data(emb) is not equal to schema dim (8)")
    bytes.replaceSubrange(36 * 3 + 4..<36 * 3 + 8, with: littleEndian(Float.nan))
    let nan = scratch.write("n.fvecs", bytes: bytes)
    #expect(
      importError(nan, schema: Self.schema()) == "\(nan): row 4: the vector of field emb contains NaN or infinity")
    let good = scratch.write("g.fvecs", bytes: fvecsBytes(vectors))
    #expect(
      importError(good, schema: Self.schema(autoID: false))
        == "\(good): the collection's primary key is not auto_id, so .fvecs rows need ids; import JSON lines or CSV instead"
    )
    var required = Self.schema()
    required.fields.append(FieldSchema(name: "other", type: .double))
    #expect(
      importError(good, schema: required)
        == "\(good): field other is not nullable and has no default value, so .fvecs rows cannot give it; import JSON lines or CSV instead"
    )
    var two = Self.schema()
    two.fields.append(FieldSchema(name: "emb2", type: .floatVector, dim: 8, defaultValue: nil))
    #expect(importError(good, schema: two)?.contains("has 2 vector fields (emb, emb2)") == true)
    #expect(
      importError(good, schema: Self.schema(), vectorField: "note")
        == "\(good): field note is VarChar(8), not a FloatVector field")
    // Errors carry the row.
    do {
      var reader = try RowReader(path: ragged, format: nil, schema: Self.schema())
      _ = try reader.readAll()
      Issue.record("no error")
    } catch {
      #expect(error.row == 12)
      #expect(error.line == nil)
    }
  }

  @Test func fvecsChoosesTheNamedVectorField() throws {
    let scratch = try Scratch()
    var schema = Self.schema(dim: 3)
    schema.fields.append(FieldSchema(name: "other", type: .floatVector, dim: 2))
    let path = scratch.write("x.fvecs", bytes: fvecsBytes([[1, 2], [3, 4]]))
    #expect(importError(path, schema: schema, vectorField: "other") != nil)  // emb is required then
    schema.fields[1].defaultValue = nil
    schema.fields.remove(at: 1)
    schema.fields.append(FieldSchema(name: "third", type: .floatVector, dim: 5))
    #expect(importError(path, schema: schema) != nil)
    schema.fields.removeLast()
    let rows = try readRows(path, schema: schema, vectorField: "other")
    #expect(rows.map { $0["other"] } == [.floatVector([1, 2]), .floatVector([3, 4])])
  }

  @Test(arguments: [UInt8(1), 2, 3])
  func npyReadsBackExactly(version: UInt8) throws {
    let scratch = try Scratch()
    let vectors = Self.randomVectors(257, dim: 8, seed: UInt64(version))
    let bytes = npyBytes(
      version: version, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (257, 8), }",
      data: npyFloatBytes(vectors))
    let path = scratch.write("x.npy", bytes: bytes)
    var reader = try RowReader(path: path, format: nil, schema: Self.schema())
    #expect(reader.format == .npy)
    var sizes: [Int] = []
    var rows: [Row] = []
    while let batch = try reader.nextBatch(maxRows: 100) {
      sizes.append(batch.count)
      rows += batch
    }
    #expect(sizes == [100, 100, 57])
    #expect(rows == Self.expectedRows(vectors))
    #expect(reader.bytesRead == Int64(bytes.count))
  }

  @Test func npyErrors() throws {
    let scratch = try Scratch()
    let vectors = Self.randomVectors(4, dim: 8)
    func npy(_ header: String, data: [UInt8]? = nil) -> String {
      scratch.write("x.npy", bytes: npyBytes(header: header, data: data ?? npyFloatBytes(vectors)))
    }
    var path = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }")
    #expect(importError(path, schema: Self.schema()) == "\(path): expected a 2-D float32 array ('<f4'), found '<f8'")
    path = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }")
    #expect(
      importError(path, schema: Self.schema()) == "\(path): expected a 2-D float32 array ('<f4'), found shape (32,)")
    path = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (4, 8), }")
    #expect(importError(path, schema: Self.schema())?.contains("Fortran order") == true)
    path = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (8, 4), }")
    #expect(
      importError(path, schema: Self.schema())
        == "\(path): the array has shape (8, 4): the dim (4) of field data(emb) is not equal to schema dim (8)")
    path = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 8), }")
    #expect(
      importError(path, schema: Self.schema())
        == "\(path): the file is truncated: shape (5, 8) needs 160 bytes of data, found 128")
    path = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 8), }")
    #expect(importError(path, schema: Self.schema()) == "\(path): expected a 2-D float32 array ('<f4'), found '|u1'")
    path = npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4, 8), }")
    #expect(
      importError(path, schema: Self.schema())
        == "\(path): expected a 2-D float32 array ('<f4'), found '[('a', '<f4')]'")
    path = scratch.write("bad.npy", bytes: Array("not numpy at all".utf8))
    #expect(importError(path, schema: Self.schema())?.contains("not a NumPy .npy file") == true)
    path = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), }")
    #expect(
      importError(path, schema: Self.schema(autoID: false))
        == "\(path): the collection's primary key is not auto_id, so .npy rows need ids; import JSON lines or CSV instead"
    )
    #expect(try readRows(path, schema: Self.schema()).count == 4)
  }
}
