import Engine
import Model
import XCTest

/// A small seeded generator (SplitMix64) so that failures reproduce.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A schema with every scalar type, JSON, arrays, nullable fields and a dynamic field.
let everyTypeSchema = CollectionSchema(
  name: "everything",
  fields: [
    FieldSchema(name: "id", type: .int64, isPrimary: true),
    FieldSchema(name: "b", type: .bool, nullable: true),
    FieldSchema(name: "i8", type: .int8),
    FieldSchema(name: "i16", type: .int16),
    FieldSchema(name: "i32", type: .int32, nullable: true),
    FieldSchema(name: "i64", type: .int64),
    FieldSchema(name: "f", type: .float),
    FieldSchema(name: "d", type: .double, nullable: true),
    FieldSchema(name: "s", type: .varChar, maxLength: 64, nullable: true),
    FieldSchema(name: "j", type: .json, nullable: true),
    FieldSchema(name: "ai", type: .array, elementType: .int64, maxCapacity: 8),
    FieldSchema(
      name: "av", type: .array, maxLength: 16, elementType: .varChar, maxCapacity: 8, nullable: true
    ),
    FieldSchema(name: "v", type: .floatVector, dim: 2),
  ],
  enableDynamicField: true)

/// Random rows and random well-typed filters over `everyTypeSchema`.
struct DataGenerator {
  var rng: SeededRandom

  init(seed: UInt64) { rng = SeededRandom(seed: seed) }

  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
  mutating func pick<T>(_ values: [T]) -> T {
    values[Int.random(in: 0..<values.count, using: &rng)]
  }

  static let stringPieces = ["a", "b", "ab", "%", "_", "\\", "é", "中", "z", "A", ""]

  mutating func text() -> String {
    (0..<Int.random(in: 0...4, using: &rng)).map { _ in pick(Self.stringPieces) }.joined()
  }

  mutating func smallInt() -> Int64 {
    chance(10)
      ? pick([Int64.max, .min, Int64.max - 1, 0, -1]) : Int64.random(in: -20...20, using: &rng)
  }

  mutating func double() -> Double {
    if chance(5) { return .nan }
    if chance(5) { return pick([0.0, -0.0, 1e300, -1e-300, .infinity]) }
    return Double(Int.random(in: -80...80, using: &rng)) / 4
  }

  mutating func jsonScalar() -> JSONValue {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return .int(smallInt())
    case 1: return .double(double())
    case 2: return .string(text())
    case 3: return .bool(chance(50))
    case 4: return .null
    default: return .int(Int64.random(in: 0...3, using: &rng))
    }
  }

  mutating func jsonValue(depth: Int = 0) -> JSONValue {
    if depth >= 2 || chance(50) { return jsonScalar() }
    if chance(50) {
      return .array(
        (0..<Int.random(in: 0...4, using: &rng)).map { _ in jsonValue(depth: depth + 1) })
    }
    var members: [String: JSONValue] = [:]
    for key in ["a", "b", "n", "s", "list"] where chance(60) {
      members[key] = jsonValue(depth: depth + 1)
    }
    return .object(members)
  }

  mutating func document() -> JSONValue {
    var members: [String: JSONValue] = [:]
    if chance(85) { members["n"] = chance(80) ? .int(smallInt()) : jsonScalar() }
    if chance(85) { members["s"] = chance(80) ? .string(text()) : jsonScalar() }
    if chance(70) { members["flag"] = chance(80) ? .bool(chance(50)) : jsonScalar() }
    if chance(80) {
      members["list"] = .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in jsonScalar() })
    }
    if chance(70) { members["a"] = .object(["b": jsonScalar(), "c": jsonValue(depth: 1)]) }
    if chance(30) { members["nested"] = jsonValue() }
    return .object(members)
  }

  mutating func row(id: Int64) -> Row {
    var row: Row = [
      "id": .int(id),
      "b": chance(15) ? .null : .bool(chance(50)),
      "i8": .int(Int64.random(in: -128...127, using: &rng)),
      "i16": .int(
        chance(50)
          ? Int64.random(in: -20...20, using: &rng) : Int64.random(in: -32768...32767, using: &rng)),
      "i32": chance(20) ? .null : .int(Int64.random(in: -20...20, using: &rng)),
      "i64": .int(smallInt()),
      "f": .double(Double(Float(Double(Int.random(in: -40...40, using: &rng)) / 8))),
      "d": chance(15) ? .null : .double(double()),
      "s": chance(15) ? .null : .string(text()),
      "j": chance(10) ? .null : (chance(10) ? .json(jsonScalar()) : .json(document())),
      "ai": .array(
        (0..<Int.random(in: 0...5, using: &rng)).map { _ in
          .int(Int64.random(in: -3...3, using: &rng))
        }),
      "av": chance(15)
        ? .null : .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in .string(text()) }),
      "v": .floatVector([0, 1]),
    ]
    if chance(70) { row["color"] = chance(80) ? .string(pick(["red", "blue", "%", ""])) : .int(1) }
    if chance(70) { row["size"] = chance(50) ? .int(smallInt()) : .double(double()) }
    if chance(50) { row["dyn"] = .json(document()) }
    if chance(50) {
      row["dlist"] = .json(
        .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in jsonScalar() }))
    }
    return row
  }

  // MARK: - Filters

  mutating func intLiteral() -> FilterExpr {
    .literal(
      .int(
        chance(15)
          ? pick([Int64.max, .min, 0, 62, 64, 1_000_000_000_000])
          : Int64.random(in: -5...20, using: &rng)))
  }

  mutating func stringLiteral() -> FilterExpr { .literal(.string(text())) }

  mutating func literalValue() -> FilterLiteral {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0, 1: return .int(Int64.random(in: -3...3, using: &rng))
    case 2: return .float(Double(Int.random(in: -8...8, using: &rng)) / 2)
    case 3: return .string(text())
    default:
      return chance(80)
        ? .bool(chance(50)) : .list([.int(1), .int(Int64.random(in: 0...3, using: &rng))])
    }
  }

  mutating func jsonPath() -> FieldPath {
    pick([
      FieldPath("j", path: [.key("n")]), FieldPath("j", path: [.key("s")]),
      FieldPath("j", path: [.key("flag")]),
      FieldPath("j", path: [.key("list"), .index(Int.random(in: 0...4, using: &rng))]),
      FieldPath("j", path: [.key("a"), .key("b")]), FieldPath("j", path: [.key("missing")]),
      FieldPath("j"),
      FieldPath("color"), FieldPath("size"), FieldPath("dyn", path: [.key("n")]),
      FieldPath("nothere"),
      FieldPath("$meta", path: [.key("color")]), FieldPath("dlist", path: [.index(0)]),
      FieldPath("j", path: [.key("nested"), .index(0)]),
    ])
  }

  mutating func jsonArrayPath() -> FieldPath {
    pick([
      FieldPath("j", path: [.key("list")]), FieldPath("dlist"),
      FieldPath("j", path: [.key("nested")]),
      FieldPath("j", path: [.key("s")]), FieldPath("j", path: [.key("missing")]), FieldPath("j"),
    ])
  }

  /// An integer-valued expression (usable with `%`).
  mutating func intExpr(_ depth: Int) -> FilterExpr {
    switch Int.random(in: 0..<(depth > 0 ? 9 : 5), using: &rng) {
    case 0: return .field(FieldPath(pick(["i8", "i16", "i32", "i64", "id"])))
    case 1: return intLiteral()
    case 2: return .field(FieldPath("ai", path: [.index(Int.random(in: 0...6, using: &rng))]))
    case 3: return .field(FieldPath(pick(["i64", "i32"])))
    case 4: return .field(jsonPath())
    case 5:
      return .call(
        .arrayLength, [.field(pick([FieldPath("ai"), FieldPath("av"), jsonArrayPath()]))])
    case 6: return .unary(pick([.negate, .plus]), intExpr(depth - 1))
    default:
      return .binary(
        pick([.add, .subtract, .multiply, .divide, .modulo, .power]), intExpr(depth - 1),
        intExpr(depth - 1))
    }
  }

  mutating func numberExpr(_ depth: Int) -> FilterExpr {
    switch Int.random(in: 0..<(depth > 0 ? 6 : 3), using: &rng) {
    case 0: return .field(FieldPath(pick(["f", "d"])))
    case 1: return .literal(.float(pick([0.0, 0.5, -1.25, 2.0, 1e300])))
    case 2: return intExpr(0)
    case 3: return intExpr(depth - 1)
    case 4: return .unary(.negate, numberExpr(depth - 1))
    default:
      return .binary(
        pick([.add, .subtract, .multiply, .divide, .power]), numberExpr(depth - 1),
        numberExpr(depth - 1))
    }
  }

  mutating func stringExpr() -> FilterExpr {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0: return .field(FieldPath("s"))
    case 1: return .field(FieldPath("av", path: [.index(Int.random(in: 0...4, using: &rng))]))
    case 2: return .field(jsonPath())
    case 3: return stringLiteral()
    default: return .field(FieldPath("s"))
    }
  }

  mutating func pattern() -> String {
    let pieces = ["a", "b", "%", "_", "\\%", "\\_", "\\\\", "\\", "é", "中", "z"]
    return (0..<Int.random(in: 0...5, using: &rng)).map { _ in pick(pieces) }.joined()
  }

  mutating func comparison() -> BinaryOperator {
    pick([.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual])
  }

  mutating func condition(_ depth: Int) -> FilterExpr {
    let choice = Int.random(in: 0..<(depth > 0 ? 19 : 14), using: &rng)
    switch choice {
    case 0: return .binary(comparison(), numberExpr(depth), numberExpr(depth))
    case 1: return .binary(comparison(), stringExpr(), stringExpr())
    case 2: return .field(FieldPath(chance(70) ? "b" : "j", path: chance(70) ? [] : [.key("flag")]))
    case 3:
      let low = Int64.random(in: -5...5, using: &rng)
      return .range(
        lower: .literal(.int(low)), lowerInclusive: chance(50),
        field: chance(70) ? FieldPath(pick(["i64", "i32", "d", "f"])) : jsonPath(),
        upper: .literal(.int(low + Int64.random(in: 0...10, using: &rng))),
        upperInclusive: chance(50))
    case 4:
      let subject = chance(50) ? intExpr(1) : (chance(50) ? stringExpr() : .field(jsonPath()))
      return .inList(
        subject, (0..<Int.random(in: 0...4, using: &rng)).map { _ in literalValue() },
        negated: chance(40))
    case 5: return .like(stringExpr(), pattern: pattern())
    case 6:
      let fields = [
        FieldPath("i32"), FieldPath("d"), FieldPath("s"), FieldPath("b"), FieldPath("av"),
        FieldPath("j"),
        FieldPath("ai", path: [.index(Int.random(in: 0...6, using: &rng))]),
      ]
      return .isNull(chance(50) ? pick(fields) : jsonPath(), negated: chance(50))
    case 7: return .exists(jsonPath())
    case 8:
      let container = chance(40) ? FieldPath("ai") : jsonArrayPath()
      let value: FilterLiteral =
        container.name == "ai" ? .int(Int64.random(in: -3...3, using: &rng)) : literalValue()
      return .call(pick([.arrayContains, .jsonContains]), [.field(container), .literal(value)])
    case 9:
      let container = chance(40) ? FieldPath("av") : jsonArrayPath()
      let values: [FilterLiteral] = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
        container.name == "av" ? .string(text()) : literalValue()
      }
      return .call(
        pick([.arrayContainsAll, .arrayContainsAny, .jsonContainsAll, .jsonContainsAny]),
        [.field(container), .literal(.list(values))])
    case 10: return .binary(.equal, .field(FieldPath("b")), .literal(.bool(chance(50))))
    case 11: return .literal(.bool(chance(50)))
    case 12: return .binary(comparison(), .field(jsonPath()), .field(jsonPath()))
    case 13: return .binary(comparison(), intExpr(1), intLiteral())
    case 14, 15: return .binary(pick([.and, .or]), condition(depth - 1), condition(depth - 1))
    case 16: return .unary(.not, condition(depth - 1))
    case 17: return .binary(pick([.equal, .notEqual]), condition(depth - 1), condition(depth - 1))
    default: return .binary(comparison(), numberExpr(depth), numberExpr(depth))
    }
  }
}

final class FilterDifferentialTests: XCTestCase {
  /// The slot values the engine expects for `row`: schema fields by name, `$meta` as the
  /// object of dynamic keys.
  static func slotValue(_ row: Row, _ name: String, dynamic: JSONValue) -> Value {
    name == "$meta" ? .json(dynamic) : (row[name] ?? .null)
  }

  static func dynamicObject(_ row: Row) -> JSONValue {
    var members: [String: JSONValue] = [:]
    for (key, value) in row where everyTypeSchema.field(named: key) == nil {
      members[key] = value.jsonValue
    }
    return .object(members)
  }

  func testCompiledFiltersAgreeWithTheReferenceEvaluator() throws {
    var generator = DataGenerator(seed: 0xD1FF)
    let rows = (0..<150).map { generator.row(id: Int64($0)) }
    let dynamics = rows.map(Self.dynamicObject)
    let reference = ReferenceEvaluator(schema: everyTypeSchema)
    var compiled = 0
    var rejected: [String] = []
    var matchedSomething = 0
    var matchedNothing = 0
    var disagreements = 0
    for round in 0..<2500 {
      let tree = generator.condition(1 + round % 4)
      let expression = FilterExpression(root: tree)
      let filter: CompiledFilter
      do {
        filter = try CompiledFilter(expression, schema: everyTypeSchema)
      } catch {
        rejected.append("\(expression.text): \(error)")
        continue
      }
      compiled += 1
      var matches = 0
      for (index, row) in rows.enumerated() {
        let slots = filter.fieldSlots
        let engine = filter.matches { Self.slotValue(row, slots[$0], dynamic: dynamics[index]) }
        let expected = reference.matches(tree, row)
        if engine != expected {
          disagreements += 1
          if disagreements <= 10 {
            XCTFail(
              "round \(round) row \(index): engine \(engine), reference \(expected) for \(expression.text)\nrow: \(row)"
            )
          }
        }
        XCTAssertEqual(filter.matches(row: row), engine, "matches(row:) for \(expression.text)")
        if engine { matches += 1 }
      }
      if matches > 0 { matchedSomething += 1 }
      if matches < rows.count { matchedNothing += 1 }
    }
    XCTAssertEqual(disagreements, 0)
    // The generator must produce mostly valid filters that split the rows both ways.
    XCTAssertGreaterThan(compiled, 2000, "rejected, e.g.: \(rejected.prefix(5))")
    XCTAssertGreaterThan(matchedSomething, 500)
    XCTAssertGreaterThan(matchedNothing, 500)
  }

  func testParsedAndMutatedFiltersAgreeAndNeverCrash() {
    // Text that goes through the parser and type checker with the schema (dynamic keys resolved).
    let seeds = [
      #"i64 > 3 and s like "a%" or color == "red""#, #"j["n"] % 2 == 0 and not b"#,
      #"10 < i64 <= 2000 or array_contains(ai, 2)"#,
      #"json_contains_any(j["list"], [1, "a", true])"#,
      #"size * 2 ** 3 >= -1 and dlist[0] != "x""#, #"array_length(av) == 2 or j["a"]["b"] is null"#,
      #"i32 / 0 == 1 or d != d or exists dyn["n"]"#, #"s not in ["", "a", "ab"] && i8 - i16 < 5"#,
    ]
    let alphabet = Array("abijsd0123456789 ()[]\"'<>=!&|+-*/%_.,nulotrex")
    var rng = SeededRandom(seed: 0xBADF00D)
    var generator = DataGenerator(seed: 7)
    let rows = (0..<40).map { generator.row(id: Int64($0)) }
    let dynamics = rows.map(Self.dynamicObject)
    let reference = ReferenceEvaluator(schema: everyTypeSchema)
    var evaluated = 0
    for round in 0..<4000 {
      var characters = Array(seeds[round % seeds.count])
      for _ in 0..<Int.random(in: 0...3, using: &rng) {
        let position = Int.random(in: 0..<characters.count, using: &rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: characters.remove(at: position)
        case 1: characters.insert(alphabet.randomElement(using: &rng)!, at: position)
        default: characters[position] = alphabet.randomElement(using: &rng)!
        }
      }
      let text = String(characters)
      guard let expression = try? FilterExpression.parse(text, schema: everyTypeSchema),
        let filter = try? CompiledFilter(expression, schema: everyTypeSchema)
      else { continue }
      evaluated += 1
      for (index, row) in rows.enumerated() {
        let engine = filter.matches {
          Self.slotValue(row, filter.fieldSlots[$0], dynamic: dynamics[index])
        }
        XCTAssertEqual(engine, reference.matches(expression.root, row), "\(text) on row \(index)")
      }
    }
    XCTAssertGreaterThan(evaluated, 1000)
  }
}
