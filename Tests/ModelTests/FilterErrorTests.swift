import Model
import XCTest

final class FilterErrorTests: XCTestCase {
  func assertError(
    _ text: String, _ message: String, column: Int, schema: CollectionSchema? = nil,
    file: StaticString = #filePath,
    line: UInt = #line
  ) {
    do {
      let expression = try FilterExpression.parse(text, schema: schema)
      XCTFail("\(text) parsed as \(expression.text)", file: file, line: line)
    } catch {
      XCTAssertEqual(error.message, message, text, file: file, line: line)
      XCTAssertEqual(
        error.column, column, "column for \(text): \(error.message)", file: file, line: line)
    }
  }

  func testSyntaxErrors() {
    assertError(
      #"genre in ["jazz", "soul""#, "expected ']' to close the list opened at column 10", column: 25
    )
    assertError("age >", "expected a value after '>'", column: 6)
    assertError("age >   ", "expected a value after '>'", column: 9)
    assertError("x in", "expected a value after 'in'", column: 5)
    assertError("x not in", "expected a value after 'in'", column: 9)
    assertError(#""abc"#, "unterminated string", column: 1)
    assertError(#"name == 'abc"#, "unterminated string", column: 9)
    assertError("a == 1 and", "expected a value after 'and'", column: 11)
    assertError(")", "unexpected ')'", column: 1)
    assertError("a == 1)", "unexpected ')'", column: 7)
    assertError("tags[", "expected a key or index after '['", column: 6)
    assertError("tags[0", "expected ']' to close the '[' opened at column 5", column: 7)
    assertError("tags[-1] == 1", "an index must be a non-negative integer", column: 6)
    assertError("tags[x] == 1", "expected a string key or an integer index after '['", column: 6)
    assertError("(a == 1", "expected ')' to close the '(' opened at column 1", column: 8)
    assertError("a = 1", "unexpected '='; use '==' to compare", column: 3)
    assertError("a & b", "unexpected '&'; use 'and' or '&&'", column: 3)
    assertError("a == 1 b", "unexpected 'b'", column: 8)
    assertError("a == == 1", "unexpected '=='", column: 6)
    assertError(#"name == "中文字符" and > 1"#, "unexpected '>'", column: 20)
    assertError(#"name == "😀👍🏽" and x = 1"#, "unexpected '='; use '==' to compare", column: 20)
    assertError("x in 5", "expected a list of values after 'in', like [1, 2]", column: 6)
    assertError("x in [1, 2 3]", "expected ']' to close the list opened at column 6", column: 12)
    assertError("x in [a]", "list elements must be constant values", column: 7)
    assertError("x not like 'a'", "expected 'in' after 'not'", column: 7)
    assertError("a is", "expected 'null' or 'not null' after 'is'", column: 5)
    assertError("a is not 1", "expected 'null' after 'is not'", column: 10)
    assertError("1 is null", "'is null' needs a field or JSON path", column: 1)
    assertError("name like 5", "'like' needs a string pattern", column: 11)
    assertError("name like", "'like' needs a string pattern", column: 10)
    assertError(
      "a < b > c", "cannot chain '<' with '>'; combine the comparisons with 'and'", column: 7)
    assertError(
      "1 < a + 1 < 5", "a chained comparison needs a field in the middle, like 1 < x < 5", column: 5
    )
    assertError(
      "1 < a < 5 < 7",
      "a chained comparison takes at most two operators; combine conditions with 'and'", column: 11)
    assertError("json_contains(meta)", "json_contains takes 2 arguments, but got 1", column: 1)
    assertError("array_length(a, b)", "array_length takes 1 argument, but got 2", column: 1)
    assertError(
      #"json_contains(meta["a"], 1"#, "expected ')' to close the '(' opened at column 14",
      column: 27)
    assertError(
      "json_contains(meta 1)", "expected ',' or ')' after an argument of json_contains", column: 20)
    assertError(
      "jsn_contains(a, 1)", "unknown function 'jsn_contains'; did you mean 'json_contains'?",
      column: 1)
    assertError("foo(1)", "unknown function 'foo'", column: 1)
    assertError("0x", "malformed number '0x'", column: 1)
    assertError("a > 12abc", "malformed number '12abc'", column: 5)
    assertError("a > 09", "invalid octal literal '09' (a leading 0 means octal)", column: 5)
    assertError(
      "a > 99999999999999999999", "integer literal '99999999999999999999' is too large", column: 5)
    assertError(
      "a > 9223372036854775808", "integer 9223372036854775808 is out of range for Int64", column: 5)
    assertError("a > 1e999", "number '1e999' is out of range", column: 5)
    assertError(#"a == 'x\q'"#, #"unknown escape sequence '\q'"#, column: 8)
    assertError(
      #"a == "\u12""#, #"invalid unicode escape; expected 4 hex digits after '\u'"#, column: 7)
    assertError(
      "a == $other", "unexpected character '$'; only '$meta' may start with '$'", column: 6)
    assertError("a == 1 # comment", "unexpected character '#'", column: 8)
    assertError("[1, 2]", "a list can only follow 'in' or be a function argument", column: 1)
    assertError("a == null", "'null' can only be used in 'is null' or 'is not null'", column: 6)
    assertError("exists 1", "'exists' needs a field or JSON path", column: 8)
    assertError("()", "unexpected ')'", column: 2)
    assertError("(", "expected a value after '('", column: 2)
    assertError("not", "expected a value after 'not'", column: 4)
    assertError("a == -", "expected a value after '-'", column: 7)
  }

  func testDeepNestingIsAnErrorNotACrash() {
    let deep = String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)
    assertError(deep, "the filter is nested too deeply", column: 65)
    let unary = String(repeating: "not ", count: 3000) + "a"
    XCTAssertThrowsError(try FilterExpression.parse(unary))
    let arithmetic = "a" + String(repeating: " + 1", count: 150) + " > 0"
    assertError(arithmetic, "the filter is too complex (nested more than 64 levels)", column: 1)
    // Long chains of one logical operator are fine, up to a limit.
    let chain = (0..<2000).map { "a\($0) == 1" }.joined(separator: " and ")
    XCTAssertNoThrow(try FilterExpression.parse(chain))
    let tooLong = (0..<3000).map { "a\($0) == 1" }.joined(separator: " and ")
    assertError(
      tooLong,
      "the filter is too long (more than 2500 conditions joined by one operator); use 'in [...]' for long lists of values",
      column: 1)
    let mixed = (0..<500).map { "(a\($0) == 1 or b < \($0))" }.joined(separator: " and ")
    XCTAssertNoThrow(try FilterExpression.parse(mixed))
  }

  func testSchemaErrors() {
    let schema = testSchema()
    assertError("agee > 1", "unknown field 'agee'; did you mean 'age'?", column: 1, schema: schema)
    assertError("age > 1 and colour == 'red'", "unknown field 'colour'", column: 13, schema: schema)
    assertError(
      "name > 5", "cannot compare VarChar field 'name' with a number", column: 6, schema: schema)
    assertError(
      "5 == name", "cannot compare a number with VarChar field 'name'", column: 3, schema: schema)
    assertError(
      "age == 'x'", "cannot compare Int32 field 'age' with a string", column: 5, schema: schema)
    assertError(
      "flag == 1", "cannot compare Bool field 'flag' with a number", column: 6, schema: schema)
    assertError(
      "age == name", "cannot compare Int32 field 'age' with VarChar field 'name'", column: 5,
      schema: schema)
    assertError("flag < true", "cannot order booleans with '<'", column: 6, schema: schema)
    assertError(
      "name + 1 > 2", "arithmetic needs numbers, but 'name' is VarChar", column: 1, schema: schema)
    assertError(
      "1 - flag > 2", "arithmetic needs numbers, but 'flag' is Bool", column: 5, schema: schema)
    assertError(
      "score % 2 == 0", "'%' needs integers, but 'score' is Double", column: 1, schema: schema)
    assertError(
      #"age like "a%""#, "'like' needs a string, but 'age' is Int32", column: 1, schema: schema)
    assertError(
      "array_length(age) > 1", "array_length needs an Array or JSON field, but 'age' is Int32",
      column: 14,
      schema: schema)
    assertError(
      "array_contains(name, 'a')",
      "array_contains needs an Array or JSON field, but 'name' is VarChar", column: 16,
      schema: schema)
    assertError(
      "array_contains(nums, 'a')", "cannot compare the numeric elements of 'nums' with a string",
      column: 22,
      schema: schema)
    assertError(
      "array_contains_all(nums, 1)",
      "array_contains_all needs a list of values as its second argument",
      column: 26, schema: schema)
    assertError(
      "json_contains(meta, age)", "the second argument of json_contains must be a constant value",
      column: 21,
      schema: schema)
    assertError(
      "tags == 'a'", "'tags' is an Array field; index it like tags[0]", column: 1, schema: schema)
    assertError(
      "tags in ['a']", "'tags' is an Array field; index it like tags[0]", column: 1, schema: schema)
    assertError(
      "tags['a'] == 'a'", "'tags' is an Array field; index it with a number, like tags[0]",
      column: 1,
      schema: schema)
    assertError(
      "tags[0][1] == 'a'", "'tags[0]' is VarChar and cannot be indexed", column: 1, schema: schema)
    assertError(
      "age[0] == 1", "'age' is Int32; only JSON and Array fields can be indexed", column: 1,
      schema: schema)
    assertError(
      "vec == 1", "'vec' is a vector field; vector fields cannot be used in a filter", column: 1,
      schema: schema)
    assertError(
      "vec is null", "'vec' is a vector field; vector fields cannot be used in a filter", column: 1,
      schema: schema)
    assertError(
      "age + 1", "the filter must be a condition, but this is a number", column: 1, schema: schema)
    assertError(
      "age", "the filter must be a condition, but 'age' is Int32", column: 1, schema: schema)
    assertError(
      "'abc'", #"the filter must be a condition, but "abc" is a string"#, column: 1, schema: schema)
    assertError(
      "not age",
      "'not' needs a condition, but 'age' is Int32; to negate a comparison write not (...)",
      column: 5,
      schema: schema)
    assertError(
      "not age > 1",
      "'not' needs a condition, but 'age' is Int32; to negate a comparison write not (...)",
      column: 5, schema: schema)
    assertError(
      "flag and age", "'and' needs conditions on both sides, but 'age' is Int32", column: 10,
      schema: schema)
    assertError("-name < 1", "'-' needs a number, but 'name' is VarChar", column: 2, schema: schema)
    assertError(
      "age in ['a']", "cannot compare Int32 field 'age' with a string", column: 5, schema: schema)
    assertError(
      "age in [[1]]", "cannot compare Int32 field 'age' with a list", column: 5, schema: schema)
    assertError(
      "'a' < age < 5", "cannot compare a string with Int32 field 'age'", column: 5, schema: schema)
    assertError(
      "exists age", "'exists' needs a JSON field or path, but 'age' is Int32", column: 8,
      schema: schema)
    assertError(
      "$meta['a'] == 1", "the collection has no dynamic field, so '$meta' is not available",
      column: 1,
      schema: schema)
    // Errors after CJK text still point at the right character.
    assertError(
      #"name == "中文" and agee > 1"#, "unknown field 'agee'; did you mean 'age'?", column: 18,
      schema: schema)
  }

  func testDynamicSchemaTurnsUnknownNamesIntoKeys() throws {
    let schema = testSchema(dynamic: true)
    XCTAssertNoThrow(try FilterExpression.parse("agee > 1", schema: schema))
    XCTAssertNoThrow(try FilterExpression.parse("$meta['a'] == 1", schema: schema))
    XCTAssertNoThrow(
      try FilterExpression.parse("colour like 'r%' and size + 1 > 2", schema: schema))
    assertError(
      "agee[0] + 1", "the filter must be a condition, but this is a number", column: 1,
      schema: schema)
  }

  func testErrorDescriptionMentionsColumn() {
    XCTAssertEqual(
      FilterError("unexpected ')'", column: 3).description, "unexpected ')' at column 3")
  }
}
