import Engine
import Model
import XCTest

final class FilterSemanticsTests: XCTestCase {
  /// A row with every field set to something simple; tests override what they need.
  func baseRow(_ overrides: Row = [:]) -> Row {
    var row: Row = [
      "id": .int(1), "b": .bool(true), "i8": .int(1), "i16": .int(2), "i32": .int(3),
      "i64": .int(15),
      "f": .double(1.5), "d": .double(2.5), "s": .string("abc"),
      "j": .json(
        .object([
          "n": .int(1), "s": .string("x"), "flag": .bool(true),
          "list": .array([.int(1), .string("x"), .array([.int(1), .int(2)])]),
          "a": .object(["b": .int(7)]), "nul": .null,
        ])),
      "ai": .array([.int(1), .int(2), .int(3)]), "av": .array([.string("red"), .string("blue")]),
      "v": .floatVector([0, 1]),
    ]
    for (key, value) in overrides { row[key] = value }
    return row
  }

  func check(
    _ text: String, _ expected: Bool, _ row: Row? = nil, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    do {
      let filter = try CompiledFilter(FilterExpression.parse(text), schema: everyTypeSchema)
      let row = row ?? baseRow()
      XCTAssertEqual(filter.matches(row: row), expected, text, file: file, line: line)
      // The slot closure path must agree with the Row convenience.
      let dynamic = FilterDifferentialTests.dynamicObject(row)
      let viaSlots = filter.matches {
        FilterDifferentialTests.slotValue(row, filter.fieldSlots[$0], dynamic: dynamic)
      }
      XCTAssertEqual(viaSlots, expected, "slots: \(text)", file: file, line: line)
    } catch {
      XCTFail("\(text): \(error)", file: file, line: line)
    }
  }

  func testNullsAreUnknown() {
    let row = baseRow(["i32": .null, "s": .null, "b": .null, "d": .null])
    check("i32 > 1", false, row)
    check("not (i32 > 1)", false, row)
    check("i32 == 1 or true", true, row)
    check("i32 == 1 or i64 == 15", true, row)
    check("i32 == 1 and false", false, row)
    check("not (i32 == 1 and false)", true, row)
    check("not (i32 == 1 and true)", false, row)
    check("i32 is null", true, row)
    check("i32 is not null", false, row)
    check("i32 + 1 > 0", false, row)
    check("-i32 < 0 or -i32 >= 0", false, row)
    check("i32 in [1, 2]", false, row)
    check("i32 not in [1, 2]", false, row)
    check("s like '%'", false, row)
    check("not s like '%'", false, row)
    check("b", false, row)
    check("not b", false, row)
    check("b == true or b == false", false, row)
    check("i32 is null and d is null and s is null and b is null", true, row)
    check("i32 is not null", true)
  }

  func testMissingJSONKeysBehaveAsNull() {
    check(#"j["missing"] == 1"#, false)
    check(#"j["missing"] != 1"#, false)
    check(#"not (j["missing"] == 1)"#, false)
    check(#"j["missing"] is null"#, true)
    check(#"j["nul"] is null"#, true)
    check(#"j["n"] is null"#, false)
    check(#"j["n"] is not null"#, true)
    check(#"exists j["n"]"#, true)
    check(#"exists j["missing"]"#, false)
    check(#"exists j["a"]["b"]"#, true)
    check(#"j["a"]["zz"] is null"#, true)
    check(#"j["n"]["deeper"] is null"#, true)
    check(#"j["list"][99] is null"#, true)
    check(#"j["list"][1] == "x""#, true)
    check(#"j["list"][2][1] == 2"#, true)
    check(#"j["a"]["b"] == 7"#, true)
    // The whole JSON field null.
    check(#"j["n"] == 1 or j["n"] != 1"#, false, baseRow(["j": .null]))
    check("j is null", true, baseRow(["j": .null]))
    check("j is null", true, baseRow(["j": .json(.null)]))
  }

  func testDynamicKeys() {
    let row = baseRow(["color": .string("red"), "size": .int(3)])
    check(#"color == "red""#, true, row)
    check(#"$meta["color"] == "red""#, true, row)
    check("size * 2 == 6", true, row)
    check("color is null", true, baseRow())
    check("color != 'red'", false, baseRow())
    check("exists color", true, row)
    check("exists color", false, baseRow())
    check("other is null and color is not null", true, row)
    let filter = try! CompiledFilter(
      FilterExpression.parse(#"color == "red" and i64 > 1 and j["a"] == 1 and size < 2"#),
      schema: everyTypeSchema)
    XCTAssertEqual(filter.fieldSlots, ["$meta", "i64", "j"])
  }

  func testJSONComparesByType() {
    check(#"j["n"] == "1""#, false)
    check(#"j["n"] != "1""#, true)
    check(#"j["n"] == 1.0"#, true)
    check(#"j["n"] < "2""#, false)
    check(#"j["n"] >= "0""#, false)
    check(#"j["s"] == "x""#, true)
    check(#"j["s"] > 1"#, false)
    check(#"j["flag"] == true"#, true)
    check(#"j["flag"] == 1"#, false)
    check(#"j["flag"]"#, true)
    check(#"not j["n"]"#, false)
    check(#"j["n"] + 1 == 2"#, true)
    check(#"j["s"] + 1 == 2 or j["s"] + 1 != 2"#, false)
    check(#"j["n"] in [1, "a"]"#, true)
    check(#"j["s"] in [1, "x"]"#, true)
    check(#"j["s"] not in [1, "y"]"#, true)
    check(#"j["list"][2] in [[1, 2]]"#, true)
  }

  func testLikePatterns() {
    func s(_ value: String) -> Row { baseRow(["s": .string(value)]) }
    check("s like 'ab%'", true, s("abc"))
    check("s like 'ab%'", false, s("xabc"))
    check("s like '%bc'", true, s("abc"))
    check("s like '%b%'", true, s("abc"))
    check("s like 'abc'", true, s("abc"))
    check("s like 'ab'", false, s("abc"))
    check("s like '%'", true, s(""))
    check("s like ''", true, s(""))
    check("s like 'a_c'", true, s("abc"))
    check("s like 'a_c'", true, s("a中c"))
    check("s like 'a_c'", false, s("ac"))
    check("s like 'a__'", false, s("a中"))
    check("s like '_'", true, s("é"))
    check("s like 'a%c%e'", true, s("abcde"))
    check("s like 'a%c%e'", false, s("abcdef"))
    check("s like '%a%a%a'", true, s("banana a"))
    check(#"s like "100\%""#, true, s("100%"))
    check(#"s like "100\%""#, false, s("1000"))
    check(#"s like "%\_%""#, true, s("a_b"))
    check(#"s like "%\_%""#, false, s("ab"))
    check(#"s like "a\\\\b""#, true, s("a\\b"))
    check(#"s like r"a\b""#, true, s("a\\b"))
    check(#"s like r"a\\%""#, true, s("a\\xyz"))
    check(#"j["s"] like "x""#, true)
    check(#"j["n"] like "%""#, false)
    check(#"not j["n"] like "%""#, true)
    check(#"j["missing"] like "%""#, false)
    check(#"not j["missing"] like "%""#, false)
  }

  func testArithmeticDivisionAndOverflow() {
    check("i64 / 0 == 1", false)
    check("not (i64 / 0 == 1)", false)
    check("i64 % 0 == 0", false)
    check("d / 0.0 > 0 or d / 0.0 <= 0", false)
    check("color % 0 == 0 or color % 0 != 0", false, baseRow(["color": .double(2.5)]))
    check("color % 2 == 0.5", true, baseRow(["color": .double(2.5)]))
    check("i64 / 2 == 7", true)
    check("i64 / 2 == 7.5", false)
    check("i64 * -1 / 2 == -7", true)
    check("i64 % 4 == 3", true)
    check("-i64 % 4 == -3", true)
    check("f / 2 == 0.75", true)
    check("i64 + 0.5 == 15.5", true)
    let big = baseRow(["i64": .int(.max)])
    check("i64 + 1 > 0", true, big)
    check("i64 * 2 > 0", true, big)
    check("i64 * i64 > 1e37", true, big)
    check("-i64 - 2 < 0", true, big)
    check("i64 + 1 - 1 > 9e18", true, big)
    let small = baseRow(["i64": .int(.min)])
    check("i64 / -1 > 0", true, small)
    check("i64 % -1 == 0", true, small)
    check("-i64 > 0", true, small)
    check("i64 - 1 < 0", true, small)
    check("2 ** 62 == 4611686018427387904", true)
    check("2 ** 64 > 0", true)
    check("(-2) ** 63 == -9223372036854775808", true)
    check("10 ** 1000000000000 > 0", true)
    check("i64 ** 9223372036854775807 > 0", true)
    check("2 ** -1 == 0.5", true)
    check("-2 ** 2 == -4", true)
    check("2 ** 3 ** 2 == 64", true)
    check("i8 + i16 * i32 == 7", true)
  }

  func testNaNNeverCrashesAndFollowsIEEE() {
    let row = baseRow(["d": .double(.nan), "j": .json(.object(["x": .double(.nan)]))])
    check("d == d", false, row)
    check("d != 1", true, row)
    check("d < 1 or d >= 1", false, row)
    check("d in [1.0, 2]", false, row)
    check("d * 0 == 0", false, row)
    check(#"j["x"] != j["x"]"#, true, row)
    check("1 < d < 2", false, row)
  }

  func testChainedRanges() {
    for (value, strict, inclusive) in [
      (Int64(9), false, false), (10, false, true), (15, true, true), (20, false, true),
      (21, false, false),
    ] {
      let row = baseRow(["i64": .int(value)])
      check("10 < i64 < 20", strict, row)
      check("10 <= i64 <= 20", inclusive, row)
      check("20 >= i64 >= 10", inclusive, row)
      check("20 > i64 > 10", strict, row)
    }
    check("1 < i32 < 5.5", true)
    check("1 < i32 < 5", false, baseRow(["i32": .null]))
    check("5 < i32 < 1", false)
    check(#""a" < s < "b""#, true)
    check(#"0 < j["n"] <= 1"#, true)
    check(#"0 < j["s"] <= 1"#, false)
    check(#"not (0 < j["missing"] <= 1)"#, false)
  }

  func testArrayFunctions() {
    check("array_contains(ai, 2)", true)
    check("array_contains(ai, 5)", false)
    check("array_contains(ai, 2.0)", true)
    check("array_contains_all(ai, [1, 3])", true)
    check("array_contains_all(ai, [1, 5])", false)
    check("array_contains_all(ai, [])", true)
    check("array_contains_any(ai, [5, 3])", true)
    check("array_contains_any(ai, [5, 6])", false)
    check("array_contains_any(ai, [])", false)
    check("array_length(ai) == 3", true)
    check("array_length(av) == 2", true)
    check("array_length(av) == 0", true, baseRow(["av": .array([])]))
    check("array_length(av) >= 0", false, baseRow(["av": .null]))
    check("array_contains(av, 'red')", true)
    check("not array_contains(av, 'red')", false, baseRow(["av": .null]))
    check("ai[0] == 1 and ai[2] == 3", true)
    check("ai[10] == 1", false)
    check("ai[10] != 1", false)
    check("ai[10] is null", true)
    check("av[1] like 'bl%'", true)
    check(#"json_contains(j["list"], "x")"#, true)
    check(#"json_contains(j["list"], 1.0)"#, true)
    check(#"json_contains(j["list"], [1, 2])"#, true)
    check(#"json_contains(j["list"], "y")"#, false)
    check(#"json_contains_all(j["list"], [1, "x"])"#, true)
    check(#"json_contains_any(j["list"], [7, "x"])"#, true)
    check(#"array_length(j["list"]) == 3"#, true)
    check(#"array_length(j["n"]) == 1 or array_length(j["n"]) != 1"#, false)
    check(#"json_contains(j["n"], 1)"#, false)
    check(#"not json_contains(j["n"], 1)"#, true)
    check(#"not json_contains(j["missing"], 1)"#, false)
  }

  func testInWithMixedLiterals() {
    check("i64 in [1, 2.5, 15]", true)
    check("i64 in [15.0]", true)
    check("i64 in [15.5, 16]", false)
    check("f in [1.5]", true)
    check("f in [1, 2]", false)
    check("s in ['abc', 'x']", true)
    check("s not in ['abc']", false)
    check("color in [1, 'red', true, [1]]", true, baseRow(["color": .string("red")]))
    check("color in [1, 'blue', true, [1]]", false, baseRow(["color": .string("red")]))
    check("color in ['1', 2.0]", true, baseRow(["color": .int(2)]))
    check("color in [[1, 2.0]]", true, baseRow(["color": .json(.array([.int(1), .int(2)]))]))
    check("color not in [1, 'red']", true, baseRow(["color": .bool(true)]))
    check("b in [true]", true)
    check("i64 in []", false)
    check("i64 not in []", true)
  }

  func testBooleanFieldsAndLogic() {
    check("b", true)
    check("not b", false)
    check("!b || i64 == 15", true)
    check("b && i64 == 16", false)
    check("b == (i64 > 1)", true)
    check("(i64 > 1) != (i64 > 100)", true)
    check("true", true)
    check("false", false)
    check("not not b", true)
  }

  func testEmptyAndConstantFilters() throws {
    let empty = try CompiledFilter(FilterExpression.parse("  "), schema: everyTypeSchema)
    XCTAssertTrue(empty.matchesEverything)
    XCTAssertEqual(empty.fieldSlots, [])
    XCTAssertTrue(empty.matches { _ in .null })
    let always = try CompiledFilter(FilterExpression.parse("TRUE"), schema: everyTypeSchema)
    XCTAssertTrue(always.matchesEverything)
    let filter = try CompiledFilter(FilterExpression.parse("i64 > 1"), schema: everyTypeSchema)
    XCTAssertFalse(filter.matchesEverything)
    XCTAssertEqual(filter.fieldSlots, ["i64"])
    XCTAssertTrue(filter.matches { _ in .int(2) })
    XCTAssertFalse(filter.matches { _ in .null })
    // Values of an unexpected kind never crash.
    XCTAssertFalse(filter.matches { _ in .string("x") })
    XCTAssertFalse(filter.matches { _ in .floatVector([1]) })
  }

  func testCompileTypeChecksWithColumns() {
    XCTAssertThrowsError(
      try CompiledFilter(FilterExpression.parse("i64 + 1"), schema: everyTypeSchema)
    ) { error in
      XCTAssertEqual(
        (error as? FilterError)?.message, "the filter must be a condition, but this is a number")
    }
    XCTAssertThrowsError(
      try CompiledFilter(FilterExpression.parse("b and s > 1"), schema: everyTypeSchema)
    ) { error in
      XCTAssertEqual((error as? FilterError)?.column, 9)
    }
    XCTAssertThrowsError(
      try CompiledFilter(FilterExpression.parse("v == 1"), schema: everyTypeSchema))
    // Trees built in code are held to the parser's depth limit too.
    var deep = FilterExpr.field(FieldPath("i64"))
    for _ in 0..<100 { deep = .unary(.negate, deep) }
    let tree = FilterExpr.binary(.greater, deep, .literal(.int(0)))
    XCTAssertThrowsError(try CompiledFilter(FilterExpression(root: tree), schema: everyTypeSchema)) { error in
      XCTAssertEqual((error as? FilterError)?.message, "the filter is too complex to evaluate")
    }
    var noDynamic = everyTypeSchema
    noDynamic.enableDynamicField = false
    XCTAssertThrowsError(
      try CompiledFilter(FilterExpression.parse("  i64 > 1 and colr == 1"), schema: noDynamic)
    ) {
      error in
      XCTAssertEqual((error as? FilterError)?.message, "unknown field 'colr'")
      XCTAssertEqual((error as? FilterError)?.column, 15)
    }
  }

  func testScanOfManyRowsIsFast() throws {
    var generator = DataGenerator(seed: 42)
    let rows = (0..<2000).map { generator.row(id: Int64($0)) }
    // Column-major storage, as a scan would have it.
    let filter = try CompiledFilter(
      FilterExpression.parse(
        #"i64 > 2 and s like "a%" or color in ["red", "blue"] and 1 <= i32 <= 10"#),
      schema: everyTypeSchema)
    let columns: [[Value]] = filter.fieldSlots.map { name in
      rows.map { row in
        name == "$meta" ? .json(FilterDifferentialTests.dynamicObject(row)) : (row[name] ?? .null)
      }
    }
    let start = Date()
    var hits = 0
    for _ in 0..<50 {
      for index in 0..<rows.count where filter.matches({ columns[$0][index] }) { hits += 1 }
    }
    let seconds = Date().timeIntervalSince(start)
    print("filter scan: 100,000 rows in \(seconds) s")
    XCTAssertGreaterThan(hits, 0)
    // 100,000 evaluations; generous bound for debug builds on a busy machine.
    XCTAssertLessThan(seconds, 5, "100k rows took \(seconds) s")
  }
}

final class FilterStackTests: XCTestCase {
  /// The deepest filters the parser accepts must parse, check, compile and run on a thread
  /// with a small (512 KiB) stack, as background threads have.
  func testDeepestAcceptedFiltersRunOnASmallStack() {
    // Chains of `and`/`or` may be as long as you like; other nesting is limited.
    let chain = (0..<2_400).map { "i64 == \($0)" }.joined(separator: " or ")
    let nested = String(repeating: "(", count: 60) + "i64 == 5" + String(repeating: ")", count: 60)
    let unary = String(repeating: "not ", count: 60) + "b"
    let arithmetic = "i64" + String(repeating: " + 1", count: 60) + " > 0"
    let done = expectation(description: "finished")
    final class Box: @unchecked Sendable { var results: [Bool?] = [] }
    let box = Box()
    let thread = Thread {
      for text in [chain, nested, unary, arithmetic] {
        do {
          let expression = try FilterExpression.parse(text, schema: everyTypeSchema)
          let filter = try CompiledFilter(expression, schema: everyTypeSchema)
          XCTAssertEqual(try FilterExpression.parse(expression.text).text, expression.text)
          XCTAssertFalse(expression.referencedFields.isEmpty)
          box.results.append(filter.matches { _ in .int(5) })
        } catch {
          XCTFail("\(error)")
          box.results.append(nil)
        }
      }
      // Past the limits: an error, not a crash.
      for text in [
        String(repeating: "(", count: 5000) + "b" + String(repeating: ")", count: 5000),
        String(repeating: "-", count: 5000) + "i64 > 0",
        "i64" + String(repeating: " * 1", count: 5000) + " > 0",
      ] {
        box.results.append((try? FilterExpression.parse(text)) == nil)
      }
      done.fulfill()
    }
    thread.stackSize = 512 * 1024
    thread.start()
    wait(for: [done], timeout: 120)
    XCTAssertEqual(box.results, [true, true, false, true, true, true, true])
  }
}
