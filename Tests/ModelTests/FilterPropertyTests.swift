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

/// Generates random canonical trees (trees the parser can produce) of every node kind.
struct TreeGenerator {
  var rng: SeededRandom
  var kinds: [String: Int] = [:]

  static let names = [
    "a", "age", "b_2", "_x", "meta", "tags", "Score", "inx", "notes", "likes", "isbn", "nullable",
    "TRUE_flag",
    "json_contains", "array_length", "$meta", "existsx",
  ]
  static let characters: [Character] = [
    "a", "b", "Z", "0", "9", " ", "\"", "'", "\\", "%", "_", "\n", "\t", "\r", "\u{0}", "\u{7F}",
    "é", "中", "😀",
    "\u{301}", "\u{2028}", "[", "]", "(", "$", "u",
  ]

  init(seed: UInt64) { rng = SeededRandom(seed: seed) }

  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

  mutating func pick<T>(_ values: [T]) -> T {
    values[Int.random(in: 0..<values.count, using: &rng)]
  }

  mutating func randomString() -> String {
    let count = Int.random(in: 0...8, using: &rng)
    var out = ""
    for _ in 0..<count { out.append(pick(Self.characters)) }
    return out
  }

  mutating func randomInt() -> Int64 {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return .min
    case 1: return .max
    case 2: return Int64.random(in: .min ... .max, using: &rng)
    default: return Int64.random(in: -1000...1000, using: &rng)
    }
  }

  mutating func randomDouble() -> Double {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0:
      while true {
        let value = Double(bitPattern: rng.next())
        if value.isFinite { return value }
      }
    case 1: return pick([0.0, -0.0, .leastNonzeroMagnitude, 1e16, 1.7976931348623157e308, 0.1, 1e-7])
    default: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 64
    }
  }

  mutating func scalarLiteral() -> FilterLiteral {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: return .int(randomInt())
    case 1: return .float(randomDouble())
    case 2: return .bool(chance(50))
    default: return .string(randomString())
    }
  }

  mutating func listLiteral(depth: Int = 0) -> [FilterLiteral] {
    (0..<Int.random(in: 0...4, using: &rng)).map { _ in
      depth < 2 && chance(15) ? .list(listLiteral(depth: depth + 1)) : scalarLiteral()
    }
  }

  mutating func fieldPath() -> FieldPath {
    var path: [PathComponent] = []
    for _ in 0..<pick([0, 0, 0, 1, 1, 2, 3]) {
      path.append(
        chance(50)
          ? .key(randomString())
          : .index(chance(5) ? Int.max : Int.random(in: 0...1000, using: &rng)))
    }
    return FieldPath(pick(Self.names), path: path)
  }

  mutating func expr(depth: Int) -> FilterExpr {
    let leafKinds = ["literal", "field", "isNull", "exists"]
    let allKinds =
      leafKinds + ["unary", "binary", "binary", "range", "inList", "like", "call", "call"]
    let kind = depth <= 0 ? pick(leafKinds) : pick(allKinds)
    kinds[kind, default: 0] += 1
    switch kind {
    case "literal":
      return .literal(scalarLiteral())
    case "field":
      return .field(fieldPath())
    case "isNull":
      return .isNull(fieldPath(), negated: chance(50))
    case "exists":
      return .exists(fieldPath())
    case "unary":
      let op = pick(UnaryOperator.allCases)
      var operand = expr(depth: depth - 1)
      if op != .not, case .literal(let literal, _) = operand {
        switch literal {
        case .int, .float: operand = .field(fieldPath())
        default: break
        }
      }
      return .unary(op, operand)
    case "binary":
      return .binary(pick(BinaryOperator.allCases), expr(depth: depth - 1), expr(depth: depth - 1))
    case "range":
      return .range(
        lower: expr(depth: depth - 1), lowerInclusive: chance(50), field: fieldPath(),
        upper: expr(depth: depth - 1),
        upperInclusive: chance(50))
    case "inList":
      return .inList(expr(depth: depth - 1), listLiteral(), negated: chance(50))
    case "like":
      return .like(expr(depth: depth - 1), pattern: randomString())
    default:
      let function = pick(FilterFunction.allCases)
      var arguments = [expr(depth: depth - 1)]
      if function.arity == 2 {
        arguments.append(chance(50) ? .literal(.list(listLiteral())) : expr(depth: depth - 1))
      }
      return .call(function, arguments)
    }
  }
}

final class FilterPropertyTests: XCTestCase {
  func testPrintedTreesParseBackToTheSameTree() throws {
    var generator = TreeGenerator(seed: 0x5EED_F117)
    var checked = 0
    for round in 0..<3000 {
      let tree = generator.expr(depth: 1 + round % 6)
      let text = FilterPrinter.print(tree)
      do {
        let parsed = try FilterExpression.parse(text)
        XCTAssertEqual(parsed.root, tree, "round \(round): \(text)")
        XCTAssertEqual(parsed.text, text, "printing is stable for round \(round)")
        if parsed.root != tree { break }
      } catch {
        XCTFail("round \(round): \(text) did not parse: \(error)")
        break
      }
      checked += 1
    }
    XCTAssertGreaterThanOrEqual(checked, 2000)
    for kind in [
      "literal", "field", "isNull", "exists", "unary", "binary", "range", "inList", "like", "call",
    ] {
      XCTAssertGreaterThan(generator.kinds[kind, default: 0], 50, "generated \(kind) nodes")
    }
  }

  func testStructuralEqualityDetectsDifferences() throws {
    // The property test relies on == seeing real differences.
    let a = try FilterExpression.parse("a + b * c > 1").root
    let b = try FilterExpression.parse("(a + b) * c > 1").root
    XCTAssertNotEqual(a, b)
    XCTAssertNotEqual(
      try FilterExpression.parse("x in [1]").root, try FilterExpression.parse("x not in [1]").root)
    XCTAssertNotEqual(
      try FilterExpression.parse("1 < x < 2").root, try FilterExpression.parse("1 <= x < 2").root)
  }

  static let seeds = [
    #"age > 18 and name like "a%""#, #"genre in ["jazz", "soul"]"#, "10 < age <= 20 or not flag",
    #"json_contains(meta["tags"], "x") && tags[0] != 'y'"#, "array_length(tags) >= 2",
    "a + b * c ** 2 % 3 == -1",
    #"$meta["k"][0] is not null"#, "exists meta['a'] || x not in [1, 2.5, 'q', [1]]",
    "20 > a >= 10",
    "array_contains_any(nums, [1, 2]) and score / 2 > 0x1F",
    #"name == r"raw\s" and meta["中文"] == '😀'"#,
  ]

  static let alphabet: [Character] = Array(
    "abcxyz_019 \"'\\[](),.<>=!&|+-*/%$#~eEoxXbB\n\tinotlkesul中😀\u{301}")
  static let tokens = [
    "a", "age", "name", "meta", "tags", "$meta", "1", "2.5", ".5", "0x1F", "1e3", "\"s\"", "'t'",
    "r\"r\"", "==",
    "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "**", "and", "or", "not", "&&", "||", "!",
    "in", "like",
    "is", "null", "true", "False", "exists", "(", ")", "[", "]", ",", "json_contains",
    "array_length", "[0]",
    "[\"k\"]", " ",
  ]

  func assertWellFormedOutcome(
    _ text: String, schema: CollectionSchema?, file: StaticString = #filePath, line: UInt = #line
  ) {
    do {
      let expression = try FilterExpression.parse(text, schema: schema)
      // Whatever parses must print and parse back to the same tree.
      let again = try FilterExpression.parse(expression.text)
      XCTAssertEqual(
        again.root, expression.root, "\(text) → \(expression.text)", file: file, line: line)
    } catch {
      let length = text.count
      XCTAssertTrue(
        (1...(length + 1)).contains(error.column),
        "column \(error.column) out of range for \(text.debugDescription)",
        file: file, line: line)
      XCTAssertFalse(error.message.isEmpty, file: file, line: line)
    }
  }

  func testFuzzedInputNeverCrashesAndErrorsPointInsideTheText() {
    var rng = SeededRandom(seed: 0xF022)
    let schemas: [CollectionSchema?] = [nil, testSchema(), testSchema(dynamic: true)]
    var inputs = 0
    var accepted = 0
    for round in 0..<24_000 {
      var text: String
      switch round % 3 {
      case 0:
        // Random characters.
        text = String(
          (0..<Int.random(in: 0...30, using: &rng)).map { _ in
            Self.alphabet.randomElement(using: &rng)!
          })
      case 1:
        // Random token sequences.
        text = (0..<Int.random(in: 1...12, using: &rng)).map { _ in
          Self.tokens.randomElement(using: &rng)!
        }
        .joined(separator: Bool.random(using: &rng) ? " " : "")
      default:
        // Mutations of valid filters: delete, insert or replace characters.
        var characters = Array(Self.seeds.randomElement(using: &rng)!)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
          let operation = Int.random(in: 0..<3, using: &rng)
          let position = Int.random(in: 0...characters.count, using: &rng)
          let character = Self.alphabet.randomElement(using: &rng)!
          switch operation {
          case 0 where position < characters.count: characters.remove(at: position)
          case 1: characters.insert(character, at: position)
          default: if position < characters.count { characters[position] = character }
          }
        }
        text = String(characters)
      }
      for schema in schemas {
        assertWellFormedOutcome(text, schema: schema)
        inputs += 1
      }
      if (try? FilterExpression.parse(text)) != nil { accepted += 1 }
    }
    XCTAssertGreaterThanOrEqual(inputs, 60_000)
    // The mutations should leave a fair share of inputs valid, so both paths are exercised.
    XCTAssertGreaterThan(accepted, 1000)
  }
}
