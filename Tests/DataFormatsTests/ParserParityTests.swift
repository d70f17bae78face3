import Foundation
import Model
import Testing

@testable import DataFormats

/// The fast parser must accept exactly what `JSONValue.parse` accepts, with the same values.
@Suite struct ParserParityTests {
  static let seeds = [
    #"{"id": 12, "v": [0.25, -1e-3, 3], "s": "a\"b\\c\u00e9\ud83d\ude00", "o": {"k": [true, false, null]}}"#,
    #"[1, -0, 0.5e10, 1E-7, 123456789012345678901234, -9223372036854775808, 9223372036854775808]"#,
    #"{"n": NaN, "m": -Infinity, "x": 01, "y": 1.5, "z": -12.25e+2}"#,
    #"  {"deep": [[[[{"a": "b"}]]]], "empty": {}, "none": [] }  "#,
  ]

  /// `FastJSON`'s verdict: the value, or nil when it gives up.
  static func fast(_ text: String) -> JSONValue? {
    var copy = text
    return copy.withUTF8 { bytes -> JSONValue? in
      guard let base = bytes.baseAddress else { return nil }
      var parser = FastJSON(base, start: 0, end: bytes.count)
      parser.skipWhitespace()
      guard let value = try? parser.parseValue() else { return nil }
      parser.skipWhitespace()
      return parser.pos == bytes.count ? value : nil
    }
  }

  static func fastFloats(_ text: String) -> [Float]? {
    var copy = text
    return copy.withUTF8 { bytes -> [Float]? in
      guard let base = bytes.baseAddress else { return nil }
      var parser = FastJSON(base, start: 0, end: bytes.count)
      guard let floats = parser.parseFloatArray(capacity: 4), parser.pos == bytes.count else { return nil }
      return floats
    }
  }

  @Test func mutatedDocumentsGetTheSameVerdict() {
    var random = SeededRandom(seed: 2024)
    let alphabet = Array(#"{}[]",:0123456789.eE+-\ u"nN tfal"#.unicodeScalars) + ["\u{1}", "é", "I"]
    var checked = 0
    for seed in Self.seeds {
      for _ in 0..<1500 {
        var scalars = Array(seed.unicodeScalars)
        for _ in 0..<Int.random(in: 1...3, using: &random) {
          let index = Int.random(in: 0..<scalars.count, using: &random)
          switch Int.random(in: 0..<3, using: &random) {
          case 0: scalars.remove(at: index)
          case 1: scalars.insert(alphabet.randomElement(using: &random)!, at: index)
          default: scalars[index] = alphabet.randomElement(using: &random)!
          }
          if scalars.isEmpty { scalars = ["0"] }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        let text = String(view)
        let model = try? JSONValue.parse(text)
        let mine = Self.fast(text)
        // The fast parser may give up on valid input (the reader then uses the Model parser),
        // but must never accept what the Model parser rejects, nor read a different value.
        if let mine {
          #expect(model != nil, "fast parser accepted invalid JSON: \(text)")
          #expect(mine.jsonText == model?.jsonText, "\(text)")
        }
        if model != nil, mine == nil { Issue.record("fast parser gave up on valid JSON: \(text)") }
        checked += 1
      }
    }
    #expect(checked == 6000)
  }

  @Test func floatArraysMatchTheModelPath() {
    var random = SeededRandom(seed: 5)
    var texts = [
      "[]", "[1]", "[ 1 , 2 ]", "[-0]", "[1e40]", "[1e-50]", "[0.1,0.2]", "[1.]", "[.5]", "[1e]", "[01.5]",
      "[-Infinity]", "[NaN]", "[1,]", "[1 2]", "[\"1\"]", "[1.5e+3, -2E-2]", "[12345678901234567890123]",
      "[0.00000000000000000000000000001]", "[3.4028236e38]", "[1-2]", "[9007199254740993]",
    ]
    for _ in 0..<3000 {
      let value = Float(bitPattern: UInt32(truncatingIfNeeded: random.next()))
      guard value.isFinite else { continue }
      let double = Double(bitPattern: random.next())
      texts.append("[\(value), \(value.description.uppercased()), \(double.isFinite ? double.description : "0")]")
    }
    for text in texts {
      let floats = Self.fastFloats(text)
      let model = try? JSONValue.parse(text)
      if let floats {
        guard case .array(let elements)? = model else {
          Issue.record("fast float parser accepted \(text)")
          continue
        }
        #expect(floats.map(\.bitPattern) == elements.map { Float($0.numberValue ?? .nan).bitPattern }, "\(text)")
      }
    }
  }
}
