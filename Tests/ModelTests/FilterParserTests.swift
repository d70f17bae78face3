import Model
import XCTest

final class FilterParserTests: XCTestCase {
  func tree(
    _ text: String, schema: CollectionSchema? = nil, file: StaticString = #filePath,
    line: UInt = #line
  )
    -> FilterExpr?
  {
    do {
      return try FilterExpression.parse(text, schema: schema).root
    } catch {
      XCTFail("\(text): \(error)", file: file, line: line)
      return nil
    }
  }

  func assertTree(
    _ text: String, _ expected: FilterExpr, schema: CollectionSchema? = nil,
    file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(
      tree(text, schema: schema, file: file, line: line), expected, text, file: file, line: line)
  }

  func testEmptyFilterMatchesEverything() throws {
    for text in ["", "   ", "\t\n "] {
      let expression = try FilterExpression.parse(text)
      XCTAssertNil(expression.root)
      XCTAssertTrue(expression.matchesEverything)
      XCTAssertEqual(expression.text, "")
      XCTAssertEqual(expression.referencedFields, [])
    }
  }

  func testIntegerLiterals() {
    assertTree("x == 42", binary(.equal, field("x"), int(42)))
    assertTree("x == 0", binary(.equal, field("x"), int(0)))
    assertTree("x == 0x1F", binary(.equal, field("x"), int(31)))
    assertTree("x == 0XfF", binary(.equal, field("x"), int(255)))
    assertTree("x == 0o17", binary(.equal, field("x"), int(15)))
    assertTree("x == 017", binary(.equal, field("x"), int(15)))
    assertTree("x == 0b101", binary(.equal, field("x"), int(5)))
    assertTree("x == -7", binary(.equal, field("x"), int(-7)))
    assertTree("x == 9223372036854775807", binary(.equal, field("x"), int(.max)))
    assertTree("x == -9223372036854775808", binary(.equal, field("x"), int(.min)))
  }

  func testFloatLiterals() {
    assertTree("x > 1.5", binary(.greater, field("x"), float(1.5)))
    assertTree("x > .5", binary(.greater, field("x"), float(0.5)))
    assertTree("x > 1e-3", binary(.greater, field("x"), float(0.001)))
    assertTree("x > 2.5E+2", binary(.greater, field("x"), float(250)))
    assertTree("x > 3.", binary(.greater, field("x"), float(3)))
    assertTree("x > -0.25", binary(.greater, field("x"), float(-0.25)))
  }

  func testBooleanLiterals() {
    assertTree("flag == true", binary(.equal, field("flag"), bool(true)))
    assertTree("flag == True", binary(.equal, field("flag"), bool(true)))
    assertTree("flag == TRUE", binary(.equal, field("flag"), bool(true)))
    assertTree("flag != false", binary(.notEqual, field("flag"), bool(false)))
    assertTree("flag != FALSE", binary(.notEqual, field("flag"), bool(false)))
    assertTree("true", bool(true))
  }

  func testStringLiterals() {
    assertTree(#"s == "abc""#, binary(.equal, field("s"), string("abc")))
    assertTree("s == 'abc'", binary(.equal, field("s"), string("abc")))
    assertTree(#"s == "a\"b""#, binary(.equal, field("s"), string("a\"b")))
    assertTree(#"s == 'it\'s'"#, binary(.equal, field("s"), string("it's")))
    assertTree(#"s == "back\\slash""#, binary(.equal, field("s"), string("back\\slash")))
    assertTree(#"s == "line\nnext\ttab""#, binary(.equal, field("s"), string("line\nnext\ttab")))
    assertTree(#"s == "\u00e9\u4e2d""#, binary(.equal, field("s"), string("é中")))
    assertTree(#"s == "\ud83d\ude00""#, binary(.equal, field("s"), string("😀")))
    assertTree(#"s == "中文""#, binary(.equal, field("s"), string("中文")))
    assertTree(#"s == """#, binary(.equal, field("s"), string("")))
  }

  func testRawStrings() {
    assertTree(#"s == r"C:\dir\n""#, binary(.equal, field("s"), string(#"C:\dir\n"#)))
    assertTree(#"s like r'a\%'"#, .like(field("s"), pattern: #"a\%"#))
  }

  func testListLiterals() {
    assertTree(#"x in [1, 2, "a"]"#, .inList(field("x"), [.int(1), .int(2), .string("a")]))
    assertTree("x in []", .inList(field("x"), []))
    assertTree("x in [1.5, -2, true,]", .inList(field("x"), [.float(1.5), .int(-2), .bool(true)]))
    assertTree(
      "x in [[1, 2], [3]]", .inList(field("x"), [.list([.int(1), .int(2)]), .list([.int(3)])]))
  }

  func testIdentifiersAndMeta() {
    assertTree("_a1 > 0", binary(.greater, field("_a1"), int(0)))
    assertTree(#"$meta["k"] == 1"#, binary(.equal, field("$meta", .key("k")), int(1)))
    assertTree("$meta is null", .isNull(path("$meta")))
  }

  func testJSONPathsAndIndexing() {
    assertTree(#"meta["a"]["b"] == 1"#, binary(.equal, field("meta", .key("a"), .key("b")), int(1)))
    assertTree(
      #"meta["list"][0] > 2"#, binary(.greater, field("meta", .key("list"), .index(0)), int(2)))
    assertTree("tags[0] == 'x'", binary(.equal, field("tags", .index(0)), string("x")))
    assertTree("tags [ 3 ] == 'x'", binary(.equal, field("tags", .index(3)), string("x")))
    assertTree(
      #"meta['a b']["c\"d"] != 0"#,
      binary(.notEqual, field("meta", .key("a b"), .key("c\"d")), int(0)))
  }

  func testDynamicKeysResolveWithSchema() throws {
    let schema = testSchema(dynamic: true)
    assertTree(
      #"color == "red""#, binary(.equal, field("$meta", .key("color")), string("red")),
      schema: schema)
    assertTree(
      "size[0] > 1", binary(.greater, field("$meta", .key("size"), .index(0)), int(1)),
      schema: schema)
    assertTree("age > 1", binary(.greater, field("age"), int(1)), schema: schema)
    let expression = try FilterExpression.parse(#"color == "red" and age > 1"#, schema: schema)
    XCTAssertEqual(expression.referencedFields, ["$meta", "age"])
    XCTAssertEqual(expression.text, #"$meta["color"] == "red" and age > 1"#)
    // Without a schema a bare name stays a name.
    assertTree(#"color == "red""#, binary(.equal, field("color"), string("red")))
  }

  func testFunctions() {
    assertTree(
      #"json_contains(meta["x"], 1)"#, call(.jsonContains, field("meta", .key("x")), int(1)))
    assertTree(
      #"json_contains_all(meta, [1, "a"])"#,
      call(.jsonContainsAll, field("meta"), list(.int(1), .string("a"))))
    assertTree("json_contains_any(meta, [])", call(.jsonContainsAny, field("meta"), list()))
    assertTree("array_contains(tags, 'a')", call(.arrayContains, field("tags"), string("a")))
    assertTree(
      "array_contains_all(nums, [1, 2])",
      call(.arrayContainsAll, field("nums"), list(.int(1), .int(2))))
    assertTree(
      "ARRAY_CONTAINS_ANY(nums, [3])", call(.arrayContainsAny, field("nums"), list(.int(3))))
    assertTree("array_length(tags) == 2", binary(.equal, call(.arrayLength, field("tags")), int(2)))
    assertTree(
      "Array_Length(tags) > 0 and flag",
      binary(.and, binary(.greater, call(.arrayLength, field("tags")), int(0)), field("flag")))
  }

  func testExists() {
    assertTree(#"exists meta["a"]"#, .exists(path("meta", .key("a"))))
    assertTree(
      #"EXISTS meta["a"] and not exists x"#,
      binary(.and, .exists(path("meta", .key("a"))), not(.exists(path("x")))))
  }

  func testLike() {
    assertTree(#"name like "ab%""#, .like(field("name"), pattern: "ab%"))
    assertTree(#"name LIKE "%a_b""#, .like(field("name"), pattern: "%a_b"))
    assertTree(#"name like "100\%""#, .like(field("name"), pattern: #"100\%"#))
    assertTree(#"not name like "a%""#, not(.like(field("name"), pattern: "a%")))
    assertTree(#"meta["s"] like "x_""#, .like(field("meta", .key("s")), pattern: "x_"))
  }

  func testArithmeticAndPower() {
    assertTree(
      "a + b * c > 1",
      binary(.greater, binary(.add, field("a"), binary(.multiply, field("b"), field("c"))), int(1)))
    assertTree(
      "(a + b) * c > 1",
      binary(.greater, binary(.multiply, binary(.add, field("a"), field("b")), field("c")), int(1)))
    assertTree(
      "a - b - c == 0",
      binary(
        .equal, binary(.subtract, binary(.subtract, field("a"), field("b")), field("c")), int(0)))
    assertTree(
      "a / 2 % 3 == 1",
      binary(.equal, binary(.modulo, binary(.divide, field("a"), int(2)), int(3)), int(1)))
    assertTree(
      "a ** 2 * 3 == 1",
      binary(.equal, binary(.multiply, binary(.power, field("a"), int(2)), int(3)), int(1)))
    assertTree("-2 ** 2 == x", binary(.equal, negate(binary(.power, int(2), int(2))), field("x")))
    assertTree(
      "2 ** 3 ** 2 == x",
      binary(.equal, binary(.power, binary(.power, int(2), int(3)), int(2)), field("x")))
    assertTree(
      "2 ** -a == x", binary(.equal, binary(.power, int(2), negate(field("a"))), field("x")))
    assertTree(
      "-a * b == x", binary(.equal, binary(.multiply, negate(field("a")), field("b")), field("x")))
    assertTree("+a == x", binary(.equal, .unary(.plus, field("a")), field("x")))
    assertTree("- -a == x", binary(.equal, negate(negate(field("a"))), field("x")))
    assertTree("-(5) == x", binary(.equal, int(-5), field("x")))
  }

  func testPrecedence() {
    assertTree(
      "not a == 1 and b", binary(.and, binary(.equal, not(field("a")), int(1)), field("b")))
    assertTree("a or b and c", binary(.or, field("a"), binary(.and, field("b"), field("c"))))
    assertTree("a and b or c", binary(.or, binary(.and, field("a"), field("b")), field("c")))
    assertTree(
      "!a || b && !c", binary(.or, not(field("a")), binary(.and, field("b"), not(field("c")))))
    assertTree("a == b < c", binary(.equal, field("a"), binary(.less, field("b"), field("c"))))
    assertTree("a < b == c", binary(.equal, binary(.less, field("a"), field("b")), field("c")))
    assertTree("a + 1 in [2, 3]", .inList(binary(.add, field("a"), int(1)), [.int(2), .int(3)]))
    assertTree("a in [1] == flag", binary(.equal, .inList(field("a"), [.int(1)]), field("flag")))
    assertTree("not (a == 1)", not(binary(.equal, field("a"), int(1))))
    assertTree(
      "a is null or b is not null",
      binary(.or, .isNull(path("a")), .isNull(path("b"), negated: true)))
    assertTree("not a is null", not(.isNull(path("a"))))
    assertTree("a == 1 == true", binary(.equal, binary(.equal, field("a"), int(1)), bool(true)))
  }

  func testInAndNotIn() {
    assertTree("x in [1, 2]", .inList(field("x"), [.int(1), .int(2)]))
    assertTree("x not in [1, 2]", .inList(field("x"), [.int(1), .int(2)], negated: true))
    assertTree("x NOT IN ['a']", .inList(field("x"), [.string("a")], negated: true))
    assertTree(
      #"meta["k"] in ["a", 1]"#, .inList(field("meta", .key("k")), [.string("a"), .int(1)]))
    assertTree(
      "x in [1] and y not in [2]",
      binary(.and, .inList(field("x"), [.int(1)]), .inList(field("y"), [.int(2)], negated: true)))
  }

  func testChainedRanges() {
    assertTree(
      "10 < age < 20",
      .range(
        lower: int(10), lowerInclusive: false, field: path("age"), upper: int(20),
        upperInclusive: false))
    assertTree(
      "1 <= x <= 5",
      .range(
        lower: int(1), lowerInclusive: true, field: path("x"), upper: int(5), upperInclusive: true))
    assertTree(
      "20 > a >= 10",
      .range(
        lower: int(10), lowerInclusive: true, field: path("a"), upper: int(20),
        upperInclusive: false))
    assertTree(
      "5 >= a > -1",
      .range(
        lower: int(-1), lowerInclusive: false, field: path("a"), upper: int(5), upperInclusive: true
      ))
    assertTree(
      #"1 < meta["a"] <= 2.5 and flag"#,
      binary(
        .and,
        .range(
          lower: int(1), lowerInclusive: false, field: path("meta", .key("a")), upper: float(2.5),
          upperInclusive: true),
        field("flag")))
    assertTree(
      "1 + 1 < x < 2 * 3",
      .range(
        lower: binary(.add, int(1), int(1)), lowerInclusive: false, field: path("x"),
        upper: binary(.multiply, int(2), int(3)), upperInclusive: false))
    assertTree("(1 < x) < 5", binary(.less, binary(.less, int(1), field("x")), int(5)))
  }

  func testRelationalAndEquality() {
    for (symbol, op) in [
      ("<", BinaryOperator.less), ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual),
      ("==", .equal),
      ("!=", .notEqual),
    ] {
      assertTree("a \(symbol) 3", binary(op, field("a"), int(3)))
      assertTree("3\(symbol)a", binary(op, int(3), field("a")))
    }
    assertTree("a < b", binary(.less, field("a"), field("b")))
  }

  func testIsNull() {
    assertTree("a is null", .isNull(path("a")))
    assertTree("a IS NOT NULL", .isNull(path("a"), negated: true))
    assertTree(#"meta["x"] is null"#, .isNull(path("meta", .key("x"))))
    assertTree("tags[1] Is Not Null", .isNull(path("tags", .index(1)), negated: true))
    assertTree("(a) is null", .isNull(path("a")))
  }

  func testCaseInsensitiveKeywords() {
    assertTree("a AND b", binary(.and, field("a"), field("b")))
    assertTree("a And b Or c", binary(.or, binary(.and, field("a"), field("b")), field("c")))
    assertTree("Not a", not(field("a")))
    assertTree("NOT a OR b", binary(.or, not(field("a")), field("b")))
    assertTree("x In [1]", .inList(field("x"), [.int(1)]))
    assertTree("x Not In [1]", .inList(field("x"), [.int(1)], negated: true))
    assertTree(#"x LiKe "a""#, .like(field("x"), pattern: "a"))
    assertTree("a && b || c", binary(.or, binary(.and, field("a"), field("b")), field("c")))
  }

  func testParentheses() {
    assertTree("((a))", field("a"))
    assertTree("(a or b) and c", binary(.and, binary(.or, field("a"), field("b")), field("c")))
    assertTree("not (a or b)", not(binary(.or, field("a"), field("b"))))
  }

  func testCanonicalText() throws {
    let cases: [(String, String)] = [
      ("a AND b || c", "a and b or c"),
      ("(a or b) && c", "(a or b) and c"),
      ("20 > a >= 10", "10 <= a < 20"),
      ("!(x == 1)", "not (x == 1)"),
      ("x in [1,2 , 'a']", #"x in [1, 2, "a"]"#),
      ("-2 ** 2 == x", "-2 ** 2 == x"),
      ("(-2) ** 2 == x", "(-2) ** 2 == x"),
      ("a - (b - c) == 0", "a - (b - c) == 0"),
      ("(a - b) - c == 0", "a - b - c == 0"),
      ("- -a > 0", "-(-a) > 0"),
      (#"s == 'it\'s "q"'"#, #"s == "it's \"q\"""#),
      ("x Is Not Null", "x is not null"),
      ("exists(meta['a'])", #"exists meta["a"]"#),
      ("JSON_CONTAINS(meta, [1,2])", "json_contains(meta, [1, 2])"),
      ("x == 0x10", "x == 16"),
      ("x > 1e-3", "x > 0.001"),
    ]
    for (input, expected) in cases {
      let expression = try FilterExpression.parse(input)
      XCTAssertEqual(expression.text, expected, input)
      XCTAssertEqual(expression.description, expected, input)
      XCTAssertEqual(try FilterExpression.parse(expression.text).root, expression.root, input)
    }
  }

  func testReferencedFieldsAndColumns() throws {
    let expression = try FilterExpression.parse(#"b > 1 and a["x"] == 2 or b < 0 and c is null"#)
    XCTAssertEqual(expression.referencedFields, ["b", "a", "c"])
    guard case .binary(.or, let lhs, _, let at) = expression.root else {
      return XCTFail("not an or")
    }
    XCTAssertEqual(at.value, 23)
    XCTAssertEqual(lhs.startColumn, 1)
    guard case .binary(.and, _, .binary(_, .field(let a), _, _), _) = lhs else {
      return XCTFail("shape")
    }
    XCTAssertEqual(a.at.value, 11)
  }

  func testPositionsDoNotAffectEquality() {
    let one = FilterExpr.binary(
      .equal, .field(FieldPath("a", at: 1)), .literal(.int(1), at: 6), at: 3)
    let two = FilterExpr.binary(
      .equal, .field(FieldPath("a", at: 9)), .literal(.int(1), at: 2), at: 7)
    XCTAssertEqual(one, two)
    XCTAssertEqual(one.hashValue, two.hashValue)
    XCTAssertNotEqual(one, FilterExpr.binary(.equal, .field(FieldPath("b")), .literal(.int(1))))
  }

  func testSchemaAcceptsWellTypedFilters() {
    let schema = testSchema()
    let valid = [
      "flag", "not flag", "age > 1 and score <= 2.5", "10 < age < 20", #"name like "a%""#,
      "age + 1 > 2",
      "age % 2 == 0", "price is null", #"meta["a"]["b"] == "x""#, #"meta["a"] + 1 > 2"#,
      #"meta["flag"]"#,
      "tags[0] == 'x'", "nums[1] * 2 > 3", "array_length(tags) > 1", "array_length(meta) == 0",
      "array_contains(tags, 'x')", "array_contains_all(nums, [1, 2])",
      "json_contains_any(meta['l'], [1, 'a'])",
      "json_contains(meta, [1, 2])", "exists meta['k']", "name in ['a', 'b']",
      "age not in [1, 2.5]",
      "flag == true", "score > age", "id in [1, 2, 3]", "age ** 2 < 100", "-age < 0", "true",
      "meta is not null", "(age > 1) == flag",
    ]
    for text in valid {
      XCTAssertNoThrow(try FilterExpression.parse(text, schema: schema), text)
    }
  }
}
