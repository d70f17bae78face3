import XCTest

@testable import TUI

/// The TOML reader: what theme and config files use, and errors that say where.
final class TOMLTests: XCTestCase {
  private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> TOMLTable {
    do {
      return try TOML.parse(text)
    } catch {
      XCTFail("unexpected error: \(error)", file: file, line: line)
      return TOMLTable()
    }
  }

  /// The error `text` gives, checked for its line, column and a part of its message.
  private func assertError(
    _ text: String, line expectedLine: Int, column: Int, _ message: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    do {
      let table = try TOML.parse(text)
      XCTFail("parsed without error: \(table)", file: file, line: line)
    } catch {
      XCTAssertEqual(error.line, expectedLine, "line of: \(error)", file: file, line: line)
      XCTAssertEqual(error.column, column, "column of: \(error)", file: file, line: line)
      XCTAssertTrue(
        error.message.contains(message), "\"\(error.message)\" should contain \"\(message)\"", file: file, line: line)
    }
  }

  // MARK: - Valid documents

  func testScalarsCommentsAndKeys() {
    let table = parse(
      """
      # a comment
      title = "vscope"  # after a value
      bare-key_1 = 1
      "quoted key" = 'literal \\n stays'
      'single' = true
      off = false
      big = 9_223_372_036_854_775_807
      negative = -17
      plus = +5
      hex = 0xDEAD_beef
      octal = 0o755
      binary = 0b1101
      pi = 3.14159
      exponent = -2e-3
      mixed = 6.02_2E+23
      infinite = -inf
      empty = ""
      """)
    XCTAssertEqual(
      table.keys,
      [
        "title", "bare-key_1", "quoted key", "single", "off", "big", "negative", "plus", "hex", "octal", "binary", "pi",
        "exponent", "mixed", "infinite", "empty",
      ])
    XCTAssertEqual(table["title"], .string("vscope"))
    XCTAssertEqual(table["bare-key_1"], .integer(1))
    XCTAssertEqual(table["quoted key"], .string("literal \\n stays"))
    XCTAssertEqual(table["single"], .boolean(true))
    XCTAssertEqual(table["off"], .boolean(false))
    XCTAssertEqual(table["big"], .integer(Int64.max))
    XCTAssertEqual(table["negative"], .integer(-17))
    XCTAssertEqual(table["plus"], .integer(5))
    XCTAssertEqual(table["hex"], .integer(0xDEAD_BEEF))
    XCTAssertEqual(table["octal"], .integer(0o755))
    XCTAssertEqual(table["binary"], .integer(13))
    XCTAssertEqual(table["pi"], .float(3.14159))
    XCTAssertEqual(table["exponent"], .float(-0.002))
    XCTAssertEqual(table["mixed"], .float(6.022e23))
    XCTAssertEqual(table["infinite"], .float(-.infinity))
    XCTAssertEqual(table["empty"], .string(""))
    XCTAssertEqual(table.position(of: "title"), TOMLPosition(line: 2, column: 1))
    XCTAssertEqual(table.position(of: "empty"), TOMLPosition(line: 17, column: 1))
  }

  func testBasicStringEscapes() {
    let table = parse(#"s = "tab\there \"quoted\" back\\slash \u00e9 \U0001F600 nl\n""#)
    XCTAssertEqual(table["s"], .string("tab\there \"quoted\" back\\slash é 😀 nl\n"))
  }

  func testMultilineStrings() {
    let table = parse(
      #"""
      basic = """
      one
        two \
          joined"""
      literal = '''
      C:\path\n "as is"
      '''
      quotes = """a "quoted" word"""""
      """#)
    XCTAssertEqual(table["basic"], .string("one\n  two joined"))
    XCTAssertEqual(table["literal"], .string("C:\\path\\n \"as is\"\n"))
    XCTAssertEqual(table["quotes"], .string("a \"quoted\" word\"\""))
  }

  func testDottedKeysTablesAndArraysOfTables() {
    let table = parse(
      """
      theme = "nord"
      site."google.com".visits = 3
      a . b = 1

      [styles]
      header = { fg = "frost", bg = "#3b4252", attrs = ["bold", "underline"] }
      "border.focused".fg = 75

      [deep.er.table]
      x = 1

      [deep]
      y = 2

      [[connections]]
      name = "one"

      [[connections]]
      name = "two"
      [connections.extra]
      z = true
      """)
    XCTAssertEqual(table["site"]?.table?["google.com"]?.table?["visits"], .integer(3))
    XCTAssertEqual(table["a"]?.table?["b"], .integer(1))
    let header = table["styles"]?.table?["header"]?.table
    XCTAssertEqual(header?["fg"], .string("frost"))
    XCTAssertEqual(header?["attrs"], .array([.string("bold"), .string("underline")]))
    XCTAssertEqual(header?.position(of: "bg")?.line, 6)
    XCTAssertEqual(table["styles"]?.table?["border.focused"]?.table?["fg"], .integer(75))
    XCTAssertEqual(table["deep"]?.table?["er"]?.table?["table"]?.table?["x"], .integer(1))
    XCTAssertEqual(table["deep"]?.table?["y"], .integer(2))
    let connections = table["connections"]?.array?.compactMap(\.table) ?? []
    XCTAssertEqual(connections.map { $0["name"] }, [.string("one"), .string("two")])
    XCTAssertEqual(connections.map { $0.position?.line }, [15, 18])
    XCTAssertEqual(connections[1]["extra"]?.table?["z"], .boolean(true))
  }

  func testArraysSpanLinesWithCommentsAndTrailingCommas() {
    let table = parse(
      """
      down = [
        "j",   # vi
        "Down",
      ]
      nested = [[1, 2], ["a"], [], {x = 1}]
      empty = []
      """)
    XCTAssertEqual(table["down"], .array([.string("j"), .string("Down")]))
    let nested = table["nested"]?.array ?? []
    XCTAssertEqual(nested.count, 4)
    XCTAssertEqual(nested.first, .array([.integer(1), .integer(2)]))
    XCTAssertEqual(nested[1], .array([.string("a")]))
    XCTAssertEqual(nested[2], .array([]))
    XCTAssertEqual(nested.last?.table?["x"], .integer(1))
    XCTAssertEqual(nested.last?.table?.position, TOMLPosition(line: 5, column: 30))
    XCTAssertEqual(table["empty"], .array([]))
  }

  func testLineEndingsAndAnEmptyDocument() {
    XCTAssertTrue(parse("").isEmpty)
    XCTAssertTrue(parse("\n# only a comment\n\n").isEmpty)
    let table = parse("a = 1\r\nb = 'x'\r\n")
    XCTAssertEqual(table["b"], .string("x"))
    XCTAssertEqual(table.position(of: "b")?.line, 2)
    XCTAssertEqual(parse("\u{FEFF}a = 1")["a"], .integer(1), "a byte-order mark is skipped")
  }

  // MARK: - Malformed documents

  func testMalformedKeyValues() {
    assertError("a = 1\nb 2", line: 2, column: 3, "expected '=' after the key b")
    assertError("a =\n", line: 1, column: 4, "expected a value")
    assertError("a = blue", line: 1, column: 5, "expected a value, found 'blue' (strings need quotes)")
    assertError("a = nope", line: 1, column: 5, "strings need quotes")
    assertError("a = 1 2", line: 1, column: 7, "expected the end of the line after the value")
    assertError("= 1", line: 1, column: 1, "expected a key")
    assertError("a.b = 1\na.b = 2", line: 2, column: 3, "duplicate key a.b (first defined on line 1)")
    assertError("a = 1\na.b = 2", line: 2, column: 1, "a is already a value (line 1)")
    assertError("a = truely", line: 1, column: 5, "expected a value, found 'truely")
  }

  func testMalformedStrings() {
    assertError("a = \"open\nb = 1", line: 1, column: 5, "unterminated string")
    assertError("a = 'open", line: 1, column: 5, "unterminated string")
    assertError("a = \"\"\"never closed\n", line: 1, column: 5, "unterminated string")
    assertError(#"a = "bad \q escape""#, line: 1, column: 10, "invalid escape '\\q'")
    assertError(#"a = "\u12""#, line: 1, column: 6, "\\u needs 4 hexadecimal digits")
    assertError(#"a = "\uD800""#, line: 1, column: 6, "not a Unicode scalar value")
    assertError("a = \"bell \u{07}\"", line: 1, column: 11, "control character U+0007 is not allowed in a string")
  }

  func testMalformedNumbers() {
    assertError("a = 01", line: 1, column: 5, "leading zeros")
    assertError("a = 1__0", line: 1, column: 5, "invalid number '1__0'")
    assertError("a = _1", line: 1, column: 5, "expected a value")
    assertError("a = 1.", line: 1, column: 5, "invalid number '1.'")
    assertError("a = 0xG", line: 1, column: 5, "invalid number")
    assertError("a = -0x1", line: 1, column: 5, "cannot have a sign")
    assertError("a = 9223372036854775808", line: 1, column: 5, "does not fit in 64 bits")
    assertError("a = 1979-05-27", line: 1, column: 5, "dates and times are not supported")
    assertError("a = 07:32:00", line: 1, column: 5, "dates and times are not supported")
  }

  func testMalformedArraysAndInlineTables() {
    assertError("a = [1 2]", line: 1, column: 8, "expected ',' or ']' in the array")
    assertError("a = [1, 2", line: 1, column: 10, "unterminated array")
    assertError("a = { x = 1, }", line: 1, column: 14, "trailing comma")
    assertError("a = { x = 1\n}", line: 1, column: 12, "inline table must end on the line it starts on")
    assertError("a = { x = 1 y = 2 }", line: 1, column: 13, "expected ',' or '}' in the inline table")
    assertError("a = { x = 1, x = 2 }", line: 1, column: 14, "duplicate key x")
    assertError("a = { x = 1 }\n[a]", line: 2, column: 1, "a is already a value (line 1)")
    assertError("a = { x = 1 }\na.y = 2", line: 2, column: 1, "a is already a value (line 1)")
  }

  func testMalformedTables() {
    assertError("[a]\nx = 1\n[a]", line: 3, column: 1, "table [a] is defined twice (first on line 1)")
    assertError("[a\nx = 1", line: 1, column: 3, "expected ']' after the table name a")
    assertError("[a] x = 1", line: 1, column: 5, "expected the end of the line after the table header [a]")
    assertError("[]", line: 1, column: 2, "expected a key")
    assertError("[[a]]\n[a]", line: 2, column: 1, "a is an array of tables (line 1); write [[a]]")
    assertError("[a]\n[[a]]", line: 2, column: 1, "a is already defined (line 1) and is not an array of tables")
    assertError("[a]\nb.c = 1\n[a.b]", line: 3, column: 1, "table [a.b] was already made by dotted keys")
    assertError("[a.b]\n[a]\nb.c = 1", line: 3, column: 1, "table b is defined by a header (line 1)")
    assertError("a = [1]\n[[a]]", line: 2, column: 1, "not an array of tables")
    assertError("x = 1\n[x.y]", line: 2, column: 2, "x is already a value (line 1), so it cannot hold the table [x.y]")
    assertError("a = 1\r\rb = 2", line: 1, column: 6, "carriage return")
  }

  func testColumnsCountCharactersNotBytes() {
    assertError("\"é\" = 1\nnom = \"日本語\" x", line: 2, column: 13, "expected the end of the line")
  }

  func testErrorDescriptionSaysWhere() {
    XCTAssertEqual(
      TOMLError("expected a value", at: TOMLPosition(line: 3, column: 9)).description,
      "expected a value (line 3, column 9)")
  }
}
