import Foundation
import XCTest

@testable import TUI

/// The config file: theme, embed_cmd, saved connections and key overrides, checked with clear
/// errors.
final class ConfigTests: XCTestCase {
  private let file = "/home/u/.config/vscope/config.toml"

  private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> SettingsError? {
    do {
      let config = try ExplorerConfig.parse(text, file: self.file)
      XCTFail("parsed without error: \(config)", file: file, line: line)
      return nil
    } catch {
      return error
    }
  }

  func testAFullConfig() throws {
    let config = try ExplorerConfig.parse(
      """
      # vscope's settings
      theme = "nord"
      embed_cmd = "embedder --model small --json"

      [[connections]]
      name = "local"
      uri = "milvus://127.0.0.1:19530"

      [[connections]]
      name = "prod"
      uri = "https://milvus.example.com:19530"
      token = "root:Milvus"
      db = "books"

      [keys]
      down = ["j", "Down", "Ctrl-N"]
      up = ["k", "Up", "ctrl-p"]
      quit = "Q"
      focus-schema = "F2"
      """, file: file)
    XCTAssertEqual(config.theme, "nord")
    XCTAssertEqual(config.themeLine, 2)
    XCTAssertEqual(config.embedCommand, "embedder --model small --json")
    XCTAssertEqual(
      config.connections,
      [
        SavedConnection(name: "local", uri: "milvus://127.0.0.1:19530"),
        SavedConnection(name: "prod", uri: "https://milvus.example.com:19530", token: "root:Milvus", db: "books"),
      ])
    XCTAssertEqual(config.keyOverrides.map(\.action), ["down", "up", "quit", "focus-schema"])
    XCTAssertEqual(config.keyOverrides[0].keys, [.character("j"), .down, .control("n")])
    // The overrides are in the keymap that drives keys and help.
    XCTAssertEqual(config.keymap.command(for: .character("Q"), in: .global), .quit)
    XCTAssertNil(config.keymap.command(for: .character("q"), in: .global))
    XCTAssertEqual(config.keymap.command(for: .control("n"), in: .list), .moveDown)
    XCTAssertEqual(config.keymap.command(for: .function(2), in: .global), .focus(.schema))
    XCTAssertNil(config.keymap.command(for: .character("2"), in: .global))
  }

  func testAnEmptyConfigChangesNothing() throws {
    let config = try ExplorerConfig.parse("# nothing yet\n", file: file)
    XCTAssertEqual(config.keymap, Keymap.standard)
    XCTAssertNil(config.theme)
    XCTAssertTrue(config.connections.isEmpty)
  }

  func testOverriddenKeysShowInHelpAndWork() throws {
    let config = try ExplorerConfig.parse("[keys]\nquit = \"x\"\nhelp = [\"F1\", \"?\"]\n", file: file)
    var state = ExplorerState(size: TerminalSize(width: 120, height: 40))
    state.keymap = config.keymap
    state.press(.function(1))
    XCTAssertTrue(state.showHelp)
    let help = state.frame.text
    XCTAssertTrue(help.contains("x           quit"), help)
    XCTAssertTrue(help.contains("F1 ?        show or hide this help"), help)
    state.press(.function(1))
    state.press(.character("q"))
    XCTAssertFalse(state.quitRequested, "q no longer quits")
    XCTAssertEqual(state.press(.character("x")), [.quit])
  }

  func testInvalidConfigs() throws {
    let cases: [(String, String)] = [
      ("them = \"nord\"\n", "them: unknown key (known: theme, embed_cmd, [[connections]], [keys]) (line 1)"),
      ("theme = 3\n", "theme: expected a string, found an integer (line 1)"),
      ("\ntheme = \"\"\n", "theme: must not be empty (line 2)"),
      ("embed_cmd = [\"a\"]\n", "embed_cmd: expected a string, found an array (line 1)"),
      ("[connections]\nname = \"x\"\n", "connections: expected [[connections]] tables, found a table (line 1)"),
      ("[[connections]]\nname = \"x\"\n", "connections #1: missing uri"),
      ("[[connections]]\nuri = \"milvus://h\"\n", "connections #1: missing name (line 1)"),
      (
        "[[connections]]\nname = \"a\"\nuri = \"milvus://h\"\n[[connections]]\nname = \"a\"\nuri = \"milvus://i\"\n",
        "connections #2.name: \"a\" is already the name of connection #1 (line 5)"
      ),
      ("[[connections]]\nname = \"a\"\nuri = \"u\"\nport = 1\n", "connections #1.port: unknown key (a connection has"),
      (
        "[[connections]]\nname = \"a\"\nuri = \"u\"\ndb = 1\n", "connections #1.db: expected a string, found an integer"
      ),
      ("keys = 1\n", "keys: expected a table [keys], found an integer"),
      ("[keys]\njump = \"J\"\n", "keys.jump: unknown action (known: help, quit, command-line,"),
      ("[keys]\ndown = \"Dwn\"\n", "keys.down: unknown key \"Dwn\" (a character, or Up Down"),
      ("[keys]\ndown = []\n", "keys.down: needs at least one key (line 2)"),
      ("[keys]\ndown = 1\n", "keys.down: expected a key or an array of keys, found an integer"),
      ("[keys]\ndown = \"k\"\n", "keys.down: \"k\" is also bound to up; give up other keys too (line 2)"),
      ("[keys]\nquit = \"j\"\n", "keys.quit: \"j\" is also bound to down; give down other keys too (line 2)"),
      ("[keys]\naccept = \"a\"\n", "keys.accept: \"a\" could not be typed into the filter or command line"),
      ("[keys]\ndown = \"Ctrl-1\"\n", "keys.down: unknown key \"Ctrl-1\""),
      (
        "theme = \"nord\nx = 1\n",
        "config.toml: unterminated string: expected '\"' before the end of the line (line 1, column 9)"
      ),
    ]
    for (text, expected) in cases {
      let error = try XCTUnwrap(parseError(text), text)
      XCTAssertTrue(error.description.hasPrefix(file + ": "), "\(error)")
      XCTAssertTrue(error.description.contains(expected), "\"\(error)\" should contain \"\(expected)\"")
    }
  }

  func testSwappingTwoKeysIsNotAClash() throws {
    let config = try ExplorerConfig.parse("[keys]\ndown = \"k\"\nup = \"j\"\n", file: file)
    XCTAssertEqual(config.keymap.command(for: .character("k"), in: .list), .moveDown)
    XCTAssertEqual(config.keymap.command(for: .character("j"), in: .list), .moveUp)
  }

  func testKeyNames() {
    let names: [(String, Key)] = [
      ("j", .character("j")), ("?", .character("?")), ("Space", .character(" ")), ("up", .up), ("↓", .down),
      ("PgDn", .pageDown), ("page-up", .pageUp), ("Enter", .enter), ("ESC", .escape), ("Shift-Tab", .backTab),
      ("F12", .function(12)), ("Ctrl-L", .control("l")), ("C-x", .control("x")), ("Ctrl-I", .tab), ("Del", .delete),
    ]
    for (text, key) in names { XCTAssertEqual(Key(configName: text), key, text) }
    for bad in ["", "F0", "F25", "F01", "Ctrl-", "Ctrl-ab", "Upp", "\u{07}"] { XCTAssertNil(Key(configName: bad), bad) }
    // Every label the help screen shows reads back as its key.
    for binding in Keymap.standard.bindings {
      for key in binding.keys { XCTAssertEqual(Key(configName: key.label), key, key.label) }
    }
    XCTAssertEqual(Set(KeymapActions.names).count, Keymap.standard.bindings.count, "one name per action")
  }

  // MARK: - Where the config is, and how it meets the command line

  private func configHome(_ text: String?, themes: [String: String] = [:]) throws -> String {
    let home = temporaryDirectory(self, prefix: "vscope-config")
    try FileManager.default.createDirectory(atPath: home + "/vscope/themes", withIntermediateDirectories: true)
    if let text { try text.write(toFile: home + "/vscope/config.toml", atomically: true, encoding: .utf8) }
    for (name, text) in themes {
      try text.write(toFile: home + "/vscope/themes/\(name)", atomically: true, encoding: .utf8)
    }
    return home
  }

  func testTheConfigPathFollowsXDG() {
    XCTAssertEqual(
      ExplorerConfig.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]), "/x/vscope/config.toml")
    XCTAssertEqual(ExplorerConfig.path(environment: ["HOME": "/h"]), "/h/.config/vscope/config.toml")
    XCTAssertEqual(
      ExplorerConfig.path(environment: ["XDG_CONFIG_HOME": "", "HOME": "/h"]), "/h/.config/vscope/config.toml")
    XCTAssertNil(ExplorerConfig.path(environment: [:]))
    XCTAssertEqual(ThemeCatalog(environment: ["HOME": "/h"]).userDirectory, "/h/.config/vscope/themes")
  }

  func testTheConfigThemeIsUsedAndTheFlagWins() throws {
    let home = try configHome("theme = \"solarized-dark\"\n[keys]\nquit = \"x\"\n")
    let fromConfig = ExplorerOptions.load(theme: nil, environment: ["XDG_CONFIG_HOME": home])
    XCTAssertEqual(fromConfig.notices, [])
    XCTAssertEqual(fromConfig.theme?.name, "solarized-dark")
    XCTAssertEqual(fromConfig.config.keymap.command(for: .character("x"), in: .global), .quit)
    let fromFlag = ExplorerOptions.load(theme: "nord", environment: ["XDG_CONFIG_HOME": home])
    XCTAssertEqual(fromFlag.theme?.name, "nord")
    XCTAssertEqual(fromFlag.notices, [])
    let none = ExplorerOptions.load(theme: nil, environment: ["XDG_CONFIG_HOME": try configHome(nil)])
    XCTAssertNil(none.theme)
    XCTAssertEqual(none.notices, [])
  }

  func testAnUnknownConfigThemeNamesTheConfigFile() throws {
    let home = try configHome("\ntheme = \"nordd\"\n")
    let options = ExplorerOptions.load(theme: nil, environment: ["XDG_CONFIG_HOME": home])
    XCTAssertNil(options.theme)
    XCTAssertEqual(options.notices.count, 1)
    XCTAssertTrue(
      options.notices[0].hasPrefix("\(home)/vscope/config.toml: theme: unknown theme \"nordd\" (available: default,"),
      options.notices[0])
    XCTAssertTrue(options.notices[0].hasSuffix(") (line 2); using the default theme"), options.notices[0])
  }

  func testABrokenConfigIsIgnoredWithANotice() throws {
    let home = try configHome("theme = \"nord\"\n[keys]\ndown = \"k\"\n")
    let options = ExplorerOptions.load(theme: nil, environment: ["XDG_CONFIG_HOME": home])
    XCTAssertEqual(
      options.notices,
      [
        "\(home)/vscope/config.toml: keys.down: \"k\" is also bound to up; give up other keys too (line 3); "
          + "the config file is ignored"
      ])
    XCTAssertNil(options.theme)
    XCTAssertEqual(options.config.keymap, Keymap.standard)
  }
}
