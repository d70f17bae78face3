import Model

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A row source for files of bare vectors (`.fvecs`, `.npy`): each row becomes
/// `{vectorField: vector}` plus the defaults (or nulls) of the other fields, and the primary key
/// is left to auto-id.
final class VectorFileSource: RowSource {
  private enum Layout {
    /// Each row carries its own `Int32` dimension.
    case fvecs
    /// A fixed number of rows of `columns` floats.
    case npy(rows: Int, columns: Int)
  }

  private let input: InputFile
  private let layout: Layout
  private let field: FieldSchema
  private let template: Row
  private let label: String
  private var firstDimension: Int?
  /// The 1-based index of the next row.
  private var row = 1
  private var finished = false
  private var failure: ImportError?

  init(input: InputFile, format: ImportFormat, shape: RowShape, vectorField: String?) throws(ImportError) {
    self.input = input
    self.label = format == .npy ? ".npy" : ".fvecs"
    let schema = shape.schema
    func problem(_ message: String) -> ImportError { ImportError(file: input.path, message: message) }
    let field: FieldSchema
    if let vectorField {
      guard let named = schema.field(named: vectorField) else {
        throw problem("field '\(vectorField)' is not in the schema of collection \(schema.name)")
      }
      guard named.type == .floatVector else {
        throw problem("field \(vectorField) is \(named.typeLabel), not a FloatVector field")
      }
      field = named
    } else {
      let vectors = schema.vectorFields
      guard let only = vectors.first else {
        throw problem("collection \(schema.name) has no FloatVector field")
      }
      guard vectors.count == 1 else {
        throw problem(
          "collection \(schema.name) has \(vectors.count) vector fields (\(vectors.map(\.name).joined(separator: ", "))); choose the one the \(label) file fills"
        )
      }
      field = only
    }
    self.field = field
    guard shape.autoIDPrimaryIndex != nil else {
      throw problem(
        "the collection's primary key is not auto_id, so \(label) rows need ids; import JSON lines or CSV instead")
    }
    var template: Row = [:]
    for (index, other) in shape.fields.enumerated() where other.name != field.name && index != shape.autoIDPrimaryIndex
    {
      guard let fill = shape.fillValues[index] else {
        throw problem(
          "field \(other.name) is not nullable and has no default value, so \(label) rows cannot give it; import JSON lines or CSV instead"
        )
      }
      template[other.name] = fill
    }
    self.template = template
    if format == .npy {
      self.layout = try Self.readNPYHeader(input: input, field: field)
    } else {
      self.layout = .fvecs
    }
  }

  var bytesRead: Int64 { input.offset }
  var totalBytes: Int64 { input.size }

  func next(maxRows: Int) throws(ImportError) -> [Row]? {
    if let failure { throw failure }
    if finished { return nil }
    var rows: [Row] = []
    rows.reserveCapacity(min(maxRows, 65536))
    do throws(ImportError) {
      while rows.count < maxRows, let vector = try nextVector() {
        var entity = template
        do {
          entity[field.name] = try FieldSchema.coerce(.floatVector(vector), to: field)
        } catch {
          throw rowError("row \(row): \(error.description)")
        }
        rows.append(entity)
        row += 1
      }
    } catch {
      failure = error
      finished = true
      throw error
    }
    return rows.isEmpty ? nil : rows
  }

  private func rowError(_ message: String) -> ImportError {
    ImportError(file: input.path, row: row, message: message)
  }

  /// The message `FieldSchema.coerce` gives for a vector of `dimension` components.
  private func dimensionMessage(_ dimension: Int) -> String {
    if dimension > 0 && dimension <= 65536 {
      do {
        _ = try FieldSchema.coerce(.floatVector([Float](repeating: 0, count: dimension)), to: field)
      } catch {
        return error.description
      }
    }
    return "the dim (\(dimension)) of field data(\(field.name)) is not equal to schema dim (\(field.dim ?? 0))"
  }

  private func nextVector() throws(ImportError) -> [Float]? {
    switch layout {
    case .npy(let rows, let columns):
      guard row <= rows else {
        finished = true
        return nil
      }
      let bytes = columns * 4
      guard try input.require(bytes) else {
        throw rowError("row \(row) is truncated: the file ends \(input.available) bytes into the row's \(bytes) bytes")
      }
      let vector = Self.floats(input.buffer + input.start, count: columns)
      input.start += bytes
      return vector
    case .fvecs:
      if input.available == 0, try !input.fill() {
        finished = true
        return nil
      }
      guard try input.require(4) else {
        throw rowError("row \(row) is truncated: the file ends inside its 4-byte dimension")
      }
      let raw = UnsafeRawPointer(input.buffer + input.start).loadUnaligned(as: UInt32.self)
      let dimension = Int(Int32(bitPattern: UInt32(littleEndian: raw)))
      if let firstDimension, dimension != firstDimension {
        throw rowError("row \(row) has dimension \(dimension) but the first row has \(firstDimension)")
      }
      if firstDimension == nil {
        guard dimension > 0, dimension == field.dim ?? dimension else {
          throw rowError(
            dimension > 0
              ? "row \(row): \(dimensionMessage(dimension))" : "row \(row) has an invalid dimension \(dimension)")
        }
        firstDimension = dimension
      }
      let bytes = 4 + dimension * 4
      guard try input.require(bytes) else {
        throw rowError(
          "row \(row) is truncated: it needs \(bytes) bytes (dimension \(dimension)), the file ends after \(input.available)"
        )
      }
      let vector = Self.floats(input.buffer + input.start + 4, count: dimension)
      input.start += bytes
      return vector
    }
  }

  /// Reads `count` little-endian `Float32`s.
  private static func floats(_ source: UnsafeMutablePointer<UInt8>, count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { destination, initialized in
      #if _endian(little)
        UnsafeMutableRawPointer(destination.baseAddress!).copyMemory(from: source, byteCount: count * 4)
      #else
        let raw = UnsafeRawPointer(source)
        for index in 0..<count {
          destination[index] = Float(
            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        }
      #endif
      initialized = count
    }
  }

  // MARK: .npy header

  private static func readNPYHeader(input: InputFile, field: FieldSchema) throws(ImportError) -> Layout {
    func problem(_ message: String) -> ImportError { ImportError(file: input.path, message: message) }
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    guard try input.require(10),
      Array(UnsafeBufferPointer(start: input.buffer + input.start, count: 6)) == magic
    else {
      throw problem("not a NumPy .npy file (it does not start with \\x93NUMPY)")
    }
    let major = input.buffer[input.start + 6]
    let prefix: Int
    let headerLength: Int
    switch major {
    case 1:
      prefix = 10
      headerLength = Int(input.buffer[input.start + 8]) | Int(input.buffer[input.start + 9]) << 8
    case 2, 3:
      guard try input.require(12) else { throw problem("the .npy header is truncated") }
      prefix = 12
      headerLength = (8..<12).reduce(0) { sum, offset in
        sum | Int(input.buffer[input.start + offset]) << (8 * (offset - 8))
      }
    default:
      throw problem("unsupported .npy format version \(major) (versions 1, 2 and 3 are read)")
    }
    guard try input.require(prefix + headerLength) else { throw problem("the .npy header is truncated") }
    let header = String(
      decoding: UnsafeBufferPointer(start: input.buffer + input.start + prefix, count: headerLength), as: UTF8.self)
    guard let dictionary = NPYHeader(parsing: header) else {
      throw problem("cannot read the .npy header \(header.trimmingSpaces)")
    }
    let expected = "expected a 2-D float32 array ('<f4')"
    guard dictionary.descr == "<f4" else { throw problem("\(expected), found '\(dictionary.descr)'") }
    guard dictionary.shape.count == 2 else {
      throw problem("\(expected), found shape \(NPYHeader.describe(dictionary.shape))")
    }
    guard !dictionary.fortranOrder else {
      throw problem(
        "the array is stored in Fortran order; save it in C order (numpy.ascontiguousarray) and import again")
    }
    let rows = dictionary.shape[0]
    let columns = dictionary.shape[1]
    if let dim = field.dim, columns != dim, rows > 0 {
      var message = "the dim (\(columns)) of field data(\(field.name)) is not equal to schema dim (\(dim))"
      if columns <= 65536 {
        do {
          _ = try FieldSchema.coerce(.floatVector([Float](repeating: 0, count: columns)), to: field)
        } catch {
          message = error.description
        }
      }
      throw problem("the array has shape \(NPYHeader.describe(dictionary.shape)): \(message)")
    }
    input.start += prefix + headerLength
    let (dataBytes, overflow) = rows.multipliedReportingOverflow(by: columns * 4)
    if input.size > 0, !overflow {
      let present = input.size - input.offset
      if present < Int64(dataBytes) {
        throw problem(
          "the file is truncated: shape \(NPYHeader.describe(dictionary.shape)) needs \(dataBytes) bytes of data, found \(present)"
        )
      }
      if present > Int64(dataBytes) {
        throw problem(
          "the file has \(present - Int64(dataBytes)) bytes after the data of shape \(NPYHeader.describe(dictionary.shape))"
        )
      }
    }
    return .npy(rows: rows, columns: columns)
  }
}

/// The Python dictionary literal of a `.npy` header: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NPYHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  init?(parsing text: String) {
    var scalars = Array(text.unicodeScalars)
    var pos = 0
    func skip() {
      while pos < scalars.count, scalars[pos] == " " || scalars[pos] == "\n" || scalars[pos] == "\t" { pos += 1 }
    }
    func quoted() -> String? {
      skip()
      guard pos < scalars.count, scalars[pos] == "'" || scalars[pos] == "\"" else { return nil }
      let quote = scalars[pos]
      pos += 1
      var out = String.UnicodeScalarView()
      while pos < scalars.count, scalars[pos] != quote {
        out.append(scalars[pos])
        pos += 1
      }
      guard pos < scalars.count else { return nil }
      pos += 1
      return String(out)
    }
    func word() -> String {
      skip()
      var out = String.UnicodeScalarView()
      while pos < scalars.count, scalars[pos].properties.isAlphabetic || ("0"..."9").contains(scalars[pos]) {
        out.append(scalars[pos])
        pos += 1
      }
      return String(out)
    }
    func expect(_ scalar: Unicode.Scalar) -> Bool {
      skip()
      guard pos < scalars.count, scalars[pos] == scalar else { return false }
      pos += 1
      return true
    }
    scalars.append(" ")
    guard expect("{") else { return nil }
    var descr: String?
    var fortranOrder: Bool?
    var shape: [Int]?
    while true {
      if expect("}") { break }
      guard let key = quoted(), expect(":") else { return nil }
      switch key {
      case "descr":
        skip()
        // A structured dtype is a list; report it as written.
        if pos < scalars.count, scalars[pos] == "[" {
          let start = pos
          var depth = 0
          while pos < scalars.count {
            if scalars[pos] == "[" { depth += 1 }
            if scalars[pos] == "]" { depth -= 1 }
            pos += 1
            if depth == 0 { break }
          }
          var view = String.UnicodeScalarView()
          view.append(contentsOf: scalars[start..<pos])
          descr = String(view)
        } else {
          guard let value = quoted() else { return nil }
          descr = value
        }
      case "fortran_order":
        switch word() {
        case "True": fortranOrder = true
        case "False": fortranOrder = false
        default: return nil
        }
      case "shape":
        guard expect("(") else { return nil }
        var dimensions: [Int] = []
        while !expect(")") {
          guard let dimension = Int(word()), dimension >= 0 else { return nil }
          dimensions.append(dimension)
          _ = expect(",")
        }
        shape = dimensions
      default:
        return nil
      }
      if !expect(",") {
        guard expect("}") else { return nil }
        break
      }
    }
    guard let descr, let fortranOrder, let shape else { return nil }
    self.descr = descr
    self.fortranOrder = fortranOrder
    self.shape = shape
  }

  static func describe(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }
}

extension String {
  var trimmingSpaces: String {
    var view = Substring(self)
    while let first = view.first, first.isWhitespace { view.removeFirst() }
    while let last = view.last, last.isWhitespace { view.removeLast() }
    return String(view)
  }
}
