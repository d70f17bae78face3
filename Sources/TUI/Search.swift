import Model

/// What fills the explorer's body: the three browser panes, a search's results, or one entity.
enum Page: Sendable, Hashable {
  case browser
  case results
  case entity
  /// The entity browser: a collection's rows, filtered and paged.
  case entities
  /// The vectors of a collection on the plane of their two principal components (`p`).
  case plot
}

/// Where the search form's query vector comes from.
enum VectorSource: Int, Sendable, Hashable, CaseIterable {
  /// "More like this": the vector of the entity whose primary key is typed (or was selected).
  case entity
  /// A vector literal such as `[0.1, 0.2, …]`, pasted or typed.
  case literal
  /// A random vector of the field's dimension.
  case random
  /// Text, turned into a vector by the embedding command (offered when one is configured).
  case text

  var label: String {
    switch self {
    case .entity: return "more like this"
    case .literal: return "vector"
    case .random: return "random"
    case .text: return "text"
    }
  }
}

/// The search form's fields, in Tab order (some are skipped when they do not apply).
enum FormField: Int, Sendable, Hashable, CaseIterable {
  case source
  case value
  case vectorField
  case topK
  case param
  case filter
  case output
  /// The metric and partitions come last: most searches keep their defaults.
  case metric
  case partitions
}

/// A filter's parse or type error where the form shows it: the message and the 1-based column.
struct FilterProblem: Sendable, Hashable {
  var message: String
  var column: Int
}

/// The search form of one collection: everything typed so far, kept between searches.
struct SearchForm: Sendable, Hashable {
  var collection: String
  var schema: CollectionSchema
  var indexes: [IndexStatus]
  var source = VectorSource.random
  /// The primary key typed for "more like this".
  var entityID = ""
  var vectorText = ""
  /// The text to embed, for the `text` source.
  var queryText = ""
  /// The embedding command; without one the form offers no `text` source.
  var embedder: EmbeddingCommand? {
    didSet { if embedder == nil, source == .text { source = .random } }
  }
  var vectorField: String
  var topK = "10"
  /// `ef` or `nprobe`, as the field's index wants; empty means the backend's default.
  var param = ""
  var filter = "" {
    didSet { checkFilter() }
  }
  var outputFields: String
  /// The metric chosen; nil: the index's (or `COSINE` without one, as Milvus does).
  var metricChoice: Metric?
  /// Comma-separated partition names; empty searches every partition.
  var partitions = ""
  var field = FormField.source
  /// The filter's problem as of the last keystroke; running is refused while there is one.
  private(set) var filterProblem: FilterProblem?
  /// Why the last Enter did not run the search.
  var error: String?
  /// The text fields as last edited, with their cursors (a cursor holds while its field's
  /// text is unchanged; otherwise it sits at the end).
  private var editedInputs: [FormField: TextField] = [:]

  init(collection: String, schema: CollectionSchema, indexes: [IndexStatus]) {
    self.collection = collection
    self.schema = schema
    self.indexes = indexes
    vectorField = schema.vectorFields.first?.name ?? ""
    // A few scalar fields make the results readable; the user edits the list.
    let scalars = schema.fields.filter { !$0.isPrimary && $0.type != .floatVector }.prefix(3)
    outputFields = scalars.map(\.name).joined(separator: ", ")
  }

  /// The vector field's schema.
  var vectorFieldSchema: FieldSchema? { schema.field(named: vectorField) }

  /// The index on the vector field, if it has one.
  var index: IndexStatus? { indexes.first { $0.spec.fieldName == vectorField } }

  /// The search parameter the field's index takes: `ef` (HNSW, AUTOINDEX), `nprobe` (IVF_*),
  /// none (FLAT, or no index: an exact scan).
  var paramName: String? {
    guard let type = index?.spec.indexType.uppercased() else { return nil }
    if type == "HNSW" || type == "AUTOINDEX" { return "ef" }
    if type.hasPrefix("IVF") { return "nprobe" }
    return nil
  }

  /// The metric a search uses: the one chosen, else the index's, or `COSINE` without one, as
  /// Milvus does.
  var metric: Metric { metricChoice ?? defaultMetric }

  /// The metric of the field's index, or `COSINE` without one.
  var defaultMetric: Metric { index?.spec.metric ?? .cosine }

  /// The metric choices, in the order the form shows them: the default first.
  static let metricChoices: [Metric?] = [nil] + Metric.allCases.map { $0 }

  /// The vector sources offered, in the order the form shows them.
  var sources: [VectorSource] { VectorSource.allCases.filter { $0 != .text || embedder != nil } }

  /// The fields shown, in Tab order.
  var fields: [FormField] {
    FormField.allCases.filter { field in
      switch field {
      case .value: return source != .random
      case .vectorField: return schema.vectorFields.count > 1
      case .param: return paramName != nil
      default: return true
      }
    }
  }

  /// The text of a text field; nil for the choice fields.
  func text(of field: FormField) -> String? {
    switch field {
    case .source, .vectorField, .metric: return nil
    case .value:
      switch source {
      case .entity: return entityID
      case .text: return queryText
      case .literal, .random: return vectorText
      }
    case .topK: return topK
    case .param: return param
    case .filter: return filter
    case .output: return outputFields
    case .partitions: return partitions
    }
  }

  mutating func setText(_ text: String, of field: FormField) {
    switch field {
    case .source, .vectorField, .metric: return
    case .value:
      switch source {
      case .entity: entityID = text
      case .text: queryText = text
      case .literal, .random: vectorText = text
      }
    case .topK: topK = text
    case .param: param = text
    case .filter: filter = text
    case .output: outputFields = text
    case .partitions: partitions = text
    }
    error = nil
  }

  /// The focused field's text and cursor; nil on a choice field. Setting it sets the text.
  var input: TextField? {
    get {
      guard let text = text(of: field) else { return nil }
      if let edited = editedInputs[field], edited.text == text { return edited }
      return TextField(text)
    }
    set {
      guard let newValue, text(of: field) != nil else { return }
      setText(newValue.text, of: field)
      editedInputs[field] = newValue
    }
  }

  /// A paste into the form: at the cursor of the focused text field; on a choice field, text
  /// that reads as a vector literal becomes the query vector (the source turns to `vector`).
  mutating func paste(_ text: String) {
    if input == nil {
      guard case .success = VectorLiteral.parse(text) else { return }
      source = .literal
      field = .value
      input = TextField(vectorText)
    }
    input?.insert(text)
  }

  /// Moves the focus to the next (or previous) field shown, wrapping round.
  mutating func moveFocus(by delta: Int) {
    let shown = fields
    let current = shown.firstIndex(of: field) ?? 0
    field = shown[((current + delta) % shown.count + shown.count) % shown.count]
  }

  /// Changes the choice of the focused choice field.
  mutating func choose(by delta: Int) {
    switch field {
    case .source:
      let all = sources
      let current = all.firstIndex(of: source) ?? 0
      source = all[((current + delta) % all.count + all.count) % all.count]
    case .vectorField:
      let names = schema.vectorFields.map(\.name)
      guard let current = names.firstIndex(of: vectorField), !names.isEmpty else { return }
      let oldParam = paramName
      vectorField = names[((current + delta) % names.count + names.count) % names.count]
      if paramName != oldParam { param = "" }
    case .metric:
      let choices = Self.metricChoices
      let current = choices.firstIndex(of: metricChoice) ?? 0
      metricChoice = choices[((current + delta) % choices.count + choices.count) % choices.count]
    default:
      return
    }
    error = nil
  }

  /// Checks the filter against the collection's schema with the shared parser.
  mutating func checkFilter() {
    do {
      _ = try FilterExpression.parse(filter, schema: schema)
      filterProblem = nil
    } catch {
      filterProblem = FilterProblem(message: error.message, column: error.column)
    }
  }

  /// The search this form asks for, or why it cannot run. `random` draws the random vector.
  func query(random: inout SplitMix64) -> Result<SearchQuery, FormRefusal> {
    if let problem = filterProblem {
      return .failure(FormRefusal(field: .filter, message: "fix the filter first: \(problem.message)"))
    }
    guard let field = vectorFieldSchema else {
      return .failure(FormRefusal(field: .source, message: "\(collection) has no vector field to search"))
    }
    let dim = field.dim ?? 0
    guard let k = Int(topK.trimmingSpaces), (1...16384).contains(k) else {
      return .failure(FormRefusal(field: .topK, message: "top k must be a whole number from 1 to 16384"))
    }
    var params: [String: JSONValue] = [:]
    if let name = paramName, !param.trimmingSpaces.isEmpty {
      guard let value = Int(param.trimmingSpaces), value > 0 else {
        return .failure(FormRefusal(field: .param, message: "\(name) must be a whole number above 0"))
      }
      params[name] = .int(Int64(value))
    }
    let outputs = outputFields.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    if !schema.enableDynamicField,
      let unknown = outputs.first(where: { $0 != "*" && schema.field(named: $0) == nil })
    {
      return .failure(FormRefusal(field: .output, message: "\(collection) has no field named \(unknown)"))
    }
    let partitionNames = partitions.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    var request = SearchRequest(
      collection: collection, vectors: [], vectorField: field.name, metric: metricChoice, topK: k, params: params,
      filter: filter.trimmingSpaces, outputFields: outputs, partitions: partitionNames)
    switch source {
    case .entity:
      switch PrimaryKeyText.parse(entityID, schema: schema) {
      case .success(let id):
        return .success(SearchQuery(request: request, like: id, source: "more like this: \(id)", metric: metric))
      case .failure(let problem):
        return .failure(FormRefusal(field: .value, message: problem.message))
      }
    case .literal:
      switch VectorLiteral.parse(vectorText) {
      case .success(let vector):
        guard vector.count == dim else {
          let values = "\(vector.count) value\(vector.count == 1 ? "" : "s")"
          return .failure(
            FormRefusal(field: .value, message: "the vector has \(values); \(field.name) has dim \(dim)"))
        }
        request.vectors = [vector]
        return .success(
          SearchQuery(request: request, source: "vector " + VectorLiteral.preview(vector, width: 28), metric: metric))
      case .failure(let problem):
        return .failure(FormRefusal(field: .value, message: problem.message))
      }
    case .random:
      request.vectors = [(0..<dim).map { _ in random.nextUnitFloat() }]
      return .success(SearchQuery(request: request, source: "random vector", metric: metric))
    case .text:
      let text = queryText.trimmingSpaces
      guard let embedder else {
        return .failure(FormRefusal(field: .source, message: "no embedding command: give --embed-cmd or embed_cmd"))
      }
      guard !text.isEmpty else { return .failure(FormRefusal(field: .value, message: "type the text to search for")) }
      let shown = text.count > 24 ? String(text.prefix(23)) + "…" : text
      return .success(
        SearchQuery(
          request: request, source: "text \"\(shown)\"", metric: metric,
          embedding: TextEmbedding(text: text, command: embedder, field: field.name, dim: dim)))
    }
  }
}

/// Why the form did not run: the field to fix and what is wrong.
struct FormRefusal: Error, Sendable, Hashable {
  var field: FormField
  var message: String
}

/// A search as the explorer runs it.
struct SearchQuery: Sendable, Hashable {
  var request: SearchRequest
  /// "More like this": the entity whose vector in `request.vectorField` is the query; the
  /// runtime fetches it (`get`) before searching, and `request.vectors` is empty until then.
  var like: PrimaryKey?
  /// What the results say the query vector was.
  var source: String
  /// The metric the search ranks by (the field's index's), for the score column's name.
  var metric: Metric
  /// Search by text: the runtime runs the embedding command first, and `request.vectors` is
  /// empty until then.
  var embedding: TextEmbedding?
}

/// Text to turn into the query vector, and the command that does it.
struct TextEmbedding: Sendable, Hashable {
  var text: String
  var command: EmbeddingCommand
  /// The vector field searched, and its dimension (the command's answer must have it).
  var field: String
  var dim: Int
}

/// A search's answer, as the results page shows it.
struct SearchResults: Sendable, Hashable {
  var query: SearchQuery
  /// The query vector the search used (fetched, for "more like this").
  var vector: [Float]
  var hits: [SearchHit]
  /// The recall meter's report on these hits, once `R` measured it.
  var recall: RecallReport?
}

/// One entity, fetched with every field for the entity page.
struct EntityPage: Sendable, Hashable {
  var collection: String
  var id: PrimaryKey
  /// The vector field the results were searched in ("more like this" searches it again).
  var vectorField: String?
  /// nil while it loads.
  var row: Row?
  /// Set when the entity could not be read, or no longer exists.
  var problem: String?
}

/// Why a typed value cannot be read.
struct InputProblem: Error, Sendable, Hashable {
  var message: String

  init(_ message: String) { self.message = message }
}

/// Primary keys typed as text, read as the collection's key type.
enum PrimaryKeyText {
  static func parse(_ text: String, schema: CollectionSchema) -> Result<PrimaryKey, InputProblem> {
    let trimmed = text.trimmingSpaces
    guard let field = schema.primaryField else { return .failure(InputProblem("\(schema.name) has no primary key")) }
    guard !trimmed.isEmpty else { return .failure(InputProblem("type the id of the entity to search like")) }
    if field.type == .varChar {
      var value = trimmed
      if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
        value = String(value.dropFirst().dropLast())
      }
      return .success(.string(value))
    }
    guard let number = Int64(trimmed) else {
      return .failure(InputProblem("the id must be an integer (\(field.name) is \(field.typeLabel))"))
    }
    return .success(.int(number))
  }
}

/// Vector literals: `[0.1, 0.2, 0.3]`; brackets optional, commas or spaces between values.
enum VectorLiteral {
  static func parse(_ text: String) -> Result<[Float], InputProblem> {
    var body = Substring(text.trimmingSpaces)
    if body.hasPrefix("[") { body = body.dropFirst() }
    if body.hasSuffix("]") { body = body.dropLast() }
    let parts = body.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" })
    guard !parts.isEmpty else { return .failure(InputProblem("paste a vector such as [0.1, 0.2, …]")) }
    var vector: [Float] = []
    for (index, part) in parts.enumerated() {
      guard let value = Float(part), value.isFinite else {
        return .failure(InputProblem("value \(index + 1) of the vector is not a number: \(part)"))
      }
      vector.append(value)
    }
    return .success(vector)
  }

  /// `[0.153, 0.296, …]` in at most `width` cells; always shows the brackets.
  static func preview(_ vector: [Float], width: Int) -> String {
    var text = "["
    for (index, value) in vector.enumerated() {
      let piece = (index > 0 ? ", " : "") + NumberText.short(value)
      let rest = index == vector.count - 1 ? "]" : ", …]"
      if DisplayWidth.of(text + piece + rest) > width {
        return index == 0 ? "[…]" : text + ", …]"
      }
      text += piece
    }
    return text + "]"
  }
}

/// Numbers as the results and entity pages show them.
enum NumberText {
  /// At most `digits` decimals, trailing zeros dropped: `0.1530`→`0.153`, `2`→`2`.
  static func short(_ value: Float, digits: Int = 3) -> String {
    fixed(Double(value), digits: digits, trim: true)
  }

  /// Exactly `digits` decimals (or trimmed of trailing zeros).
  static func fixed(_ value: Double, digits: Int, trim: Bool = false) -> String {
    guard value.isFinite else { return String(describing: value) }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 1e17 else { return String(describing: value) }
    let whole = UInt64(scaled)
    let unit = UInt64(scale)
    var fraction = String(whole % unit)
    fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
    if trim { while fraction.hasSuffix("0") { fraction.removeLast() } }
    let sign = value < 0 && whole > 0 ? "-" : ""
    return sign + String(whole / unit) + (fraction.isEmpty ? "" : "." + fraction)
  }

  /// A field value in one line: strings as they are, numbers short, JSON compact, vectors
  /// previewed with their dimension.
  static func value(_ value: Value, width: Int = 40) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    case .double(let number): return fixed(number, digits: 4, trim: true)
    case .string(let text): return text
    case .json(let json): return json.jsonText
    case .array: return value.jsonValue.jsonText
    case .floatVector(let vector):
      let suffix = " dim \(vector.count)"
      return VectorLiteral.preview(vector, width: max(5, width - suffix.count)) + suffix
    }
  }
}

/// The explorer draws its "random" query vectors from a seeded generator, so the update function
/// stays pure and tests see the same vector on every run.
extension SplitMix64 {
  /// A value in [-1, 1).
  mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) / Float(1 << 23) - 1
  }
}
