import Foundation
import XCTest

@testable import TUI

/// Theme files: the shipped ones, inheritance, colour fallback, and broken files.
final class ThemeTests: XCTestCase {
  private static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

  private let builtIn = ThemeCatalog(userDirectory: nil)

  /// A user theme directory holding `files` (name → text).
  private func userDirectory(_ files: [String: String]) throws -> String {
    let directory = temporaryDirectory(self, prefix: "vscope-themes")
    for (name, text) in files {
      try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }
    return directory
  }

  /// The error loading `argument` gives.
  private func loadError(
    _ argument: String, catalog: ThemeCatalog, file: StaticString = #filePath, line: UInt = #line
  ) -> SettingsError? {
    do {
      let theme = try catalog.load(argument)
      XCTFail("loaded \(theme.name) without error", file: file, line: line)
      return nil
    } catch {
      return error
    }
  }

  // MARK: - Shipped themes

  func testEveryShippedThemeLoadsAndDefinesEveryStyle() throws {
    XCTAssertEqual(
      BuiltinThemes.names, ["default", "light", "mono", "high-contrast", "nord", "gruvbox-dark", "solarized-dark"])
    for name in BuiltinThemes.names {
      let theme = try builtIn.load(name)
      XCTAssertEqual(theme.name, name)
      for key in StyleKey.allCases {
        XCTAssertNotNil(theme.styles[key], "\(name) defines \(key.rawValue)")
      }
    }
  }

  func testTheDefaultFileIsTheDefaultThemeAndMonoIsMonochrome() throws {
    XCTAssertEqual(try builtIn.load("default"), Theme.defaultDark)
    XCTAssertEqual(try builtIn.load("mono"), Theme.monochrome)
  }

  func testTheFilesInThemesAreTheEmbeddedCopies() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory).filter {
      $0.hasSuffix(".toml")
    }
    XCTAssertEqual(Set(files.map { String($0.dropLast(5)) }), Set(BuiltinThemes.names))
    for name in BuiltinThemes.names {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.themesDirectory + "/\(name).toml"))
      XCTAssertEqual(
        bytes, Data(try XCTUnwrap(BuiltinThemes.text(of: name)).utf8),
        "themes/\(name).toml differs from its copy in Sources/TUI/BuiltinThemes.swift: paste the file there")
    }
  }

  func testShippedThemesUseTheirPublishedPalettes() throws {
    let nord = try builtIn.load("nord")
    XCTAssertEqual(nord[.borderFocused].foreground, .rgb(0x88, 0xC0, 0xD0))
    XCTAssertEqual(nord[.error].foreground, .rgb(0xBF, 0x61, 0x6A))
    let gruvbox = try builtIn.load("gruvbox-dark")
    XCTAssertEqual(gruvbox[.selection].background, .rgb(0xFA, 0xBD, 0x2F))
    let solarized = try builtIn.load("solarized-dark")
    XCTAssertEqual(solarized[.borderFocused].foreground, .rgb(0x26, 0x8B, 0xD2))
    XCTAssertEqual(solarized[.selectionInactive].background, .rgb(0x07, 0x36, 0x42))
    XCTAssertEqual(try builtIn.load("high-contrast")[.selection].background, .palette(11))
  }

  // MARK: - Inheritance and user themes

  func testAUserThemeInheritsAndOverridesThePalette() throws {
    let directory = try userDirectory([
      "mine.toml": """
      inherits = "default"
      [palette]
      accent = "#ff0000"
      [styles]
      dim = "bright-black"
      """
    ])
    let theme = try ThemeCatalog(userDirectory: directory).load("mine")
    XCTAssertEqual(theme.name, "mine", "a file without a name is named after itself")
    XCTAssertEqual(theme[.borderFocused], CellStyle(foreground: .rgb(255, 0, 0), attributes: .bold))
    XCTAssertEqual(theme[.selection].background, .rgb(255, 0, 0), "styles inherited use the new palette")
    XCTAssertEqual(theme[.dim], CellStyle(foreground: .palette(8)))
    XCTAssertEqual(theme[.header], Theme.defaultDark[.header])
  }

  func testAUserThemeMayReplaceABuiltInOneAndInheritFromIt() throws {
    let directory = try userDirectory(["nord.toml": "inherits = \"nord\"\n[styles]\nkey = 1\n"])
    let catalog = ThemeCatalog(userDirectory: directory)
    let theme = try catalog.load("nord")
    XCTAssertEqual(theme[.key], CellStyle(foreground: .palette(1)))
    XCTAssertEqual(theme[.error], try builtIn.load("nord")[.error])
    XCTAssertTrue(catalog.names.contains("nord"))
  }

  func testAThemeByPathInheritsRelativeToItsFile() throws {
    let directory = try userDirectory([
      "base.toml": "name = \"base\"\n[styles]\nborder = 100\n",
      "child.toml": "inherits = \"./base.toml\"\n[styles]\ntitle = 101\n",
    ])
    let theme = try builtIn.load(directory + "/child.toml")
    XCTAssertEqual(theme.name, "child")
    XCTAssertEqual(theme[.border].foreground, .palette(100))
    XCTAssertEqual(theme[.title].foreground, .palette(101))
  }

  func testAnInheritanceCycleIsAnError() throws {
    let directory = try userDirectory([
      "a.toml": "inherits = \"b\"\n", "b.toml": "\n\ninherits = \"a\"\n",
    ])
    let error = try XCTUnwrap(loadError("a", catalog: ThemeCatalog(userDirectory: directory)))
    XCTAssertEqual(error.file, directory + "/b.toml")
    XCTAssertEqual(error.key, "inherits")
    XCTAssertEqual(error.line, 3)
    XCTAssertTrue(error.message.contains("inheritance cycle: \(directory)/a.toml → \(directory)/b.toml"), "\(error)")
  }

  // MARK: - Broken themes

  func testABrokenThemeNamesTheFileAndTheKey() throws {
    let directory = try userDirectory([
      "x.toml": """
      name = "x"
      inherits = "default"

      [palette]
      frost = "#88c0d0"

      [styles]
      header = { fg = "blu", bg = "frost" }
      """
    ])
    let path = directory + "/x.toml"
    let error = try XCTUnwrap(loadError(path, catalog: builtIn))
    XCTAssertEqual(error.description, "\(path): styles.header.fg: unknown colour \"blu\" (line 8)")
  }

  func testBrokenThemeMessages() throws {
    let cases: [(String, String)] = [
      ("[styles]\nheadr = 1\n", "styles.headr: unknown style (known: header, border, border.focused,"),
      ("[styles]\nborder = 256\n", "styles.border: colour 256 is outside 0-255 (line 2)"),
      (
        "[styles]\nborder = { fg = 1, blink = true }\n",
        "styles.border.blink: unknown key (a style has fg, bg and attrs)"
      ),
      (
        "[styles]\nborder = { attrs = [\"blink\"] }\n", "styles.border.attrs: unknown attribute \"blink\" (known: bold,"
      ),
      ("[styles]\nborder = { attrs = \"bold\" }\n", "styles.border.attrs: expected an array of attribute names"),
      ("[styles]\nborder = true\n", "styles.border: expected a colour or a table like"),
      ("[palette]\nsea = \"#12345\"\n", "palette.sea: unknown colour \"#12345\" (line 2)"),
      ("[palette]\nsea = \"sky\"\n[styles]\ntitle = \"sea\"\n", "palette.sea: unknown colour \"sky\" (line 2)"),
      ("colour = 1\n", "colour: unknown key (a theme has name, inherits, [palette] and [styles]) (line 1)"),
      ("styles = 1\n", "styles: expected a table, found an integer (line 1)"),
      ("inherits = \"nope\"\n", "inherits: unknown theme \"nope\" (available: default,"),
      ("inherits = \"./missing.toml\"\n", "missing.toml: cannot read: No such file or directory"),
      ("name = \n", "expected a value, found the end of the line (line 1, column 8)"),
    ]
    for (text, expected) in cases {
      let directory = try userDirectory(["broken.toml": text])
      let error = try XCTUnwrap(loadError(directory + "/broken.toml", catalog: builtIn))
      XCTAssertTrue(error.description.hasPrefix(directory + "/broken.toml: "), "\(error)")
      XCTAssertTrue(error.description.contains(expected), "\"\(error)\" should contain \"\(expected)\"")
    }
  }

  func testUnknownThemesAndMissingFiles() throws {
    var error = try XCTUnwrap(loadError("nope", catalog: builtIn))
    XCTAssertNil(error.file)
    XCTAssertTrue(error.message.hasPrefix("unknown theme \"nope\" (available: default, gruvbox-dark,"), "\(error)")
    error = try XCTUnwrap(loadError("/no/such/theme.toml", catalog: builtIn))
    XCTAssertEqual(error.description, "/no/such/theme.toml: cannot read: No such file or directory")
    error = try XCTUnwrap(loadError("bad name", catalog: builtIn))
    XCTAssertTrue(error.message.contains("is not a theme name"))
  }

  func testABrokenThemeFlagFallsBackToTheDefaultWithANotice() throws {
    let config = temporaryDirectory(self, prefix: "vscope-config")
    let themes = config + "/vscope/themes"
    try FileManager.default.createDirectory(atPath: themes, withIntermediateDirectories: true)
    try "[styles]\nheader = { fg = \"blu\" }\n".write(toFile: themes + "/x.toml", atomically: true, encoding: .utf8)
    let options = ExplorerOptions.load(theme: "x", environment: ["XDG_CONFIG_HOME": config])
    XCTAssertNil(options.theme, "nil: the default theme")
    XCTAssertEqual(
      options.notices, ["\(themes)/x.toml: styles.header.fg: unknown colour \"blu\" (line 2); using the default theme"])
    let unknown = ExplorerOptions.load(theme: "nope", environment: ["XDG_CONFIG_HOME": config])
    XCTAssertNil(unknown.theme)
    XCTAssertTrue(
      unknown.notices[0].hasPrefix("--theme: unknown theme \"nope\" (available: default,"), unknown.notices[0])
    XCTAssertTrue(unknown.notices[0].contains(", x)"), "user themes are listed: \(unknown.notices[0])")
  }

  // MARK: - Colours the terminal has

  func testTwentyFourBitColoursFallBackToWhatTheTerminalHas() {
    // (colour, its xterm-256 index, its 16-colour index, its 8-colour index)
    let cases: [(TerminalColor, Int32, Int32, Int32)] = [
      (.rgb(0xFF, 0x00, 0x00), 196, 9, 1),
      (.rgb(0x00, 0xFF, 0x00), 46, 10, 2),
      (.rgb(0x00, 0x00, 0xFF), 21, 4, 4),
      (.rgb(0xFF, 0xFF, 0xFF), 231, 15, 7),
      (.rgb(0x80, 0x80, 0x80), 244, 8, 7),
      (.rgb(0x1D, 0x20, 0x21), 234, 0, 0),  // gruvbox dark0_hard
      (.rgb(0xFB, 0x49, 0x34), 160, 1, 1),  // gruvbox bright_red
      (.rgb(0xFA, 0xBD, 0x2F), 178, 3, 3),  // gruvbox bright_yellow
      (.rgb(0x85, 0x99, 0x00), 100, 3, 3),  // solarized green
      (.rgb(0x88, 0xC0, 0xD0), 109, 7, 7),  // nord frost
    ]
    for (color, x256, x16, x8) in cases {
      XCTAssertEqual(ColorMapping.number(color, colors: 256), x256, "\(color) on 256 colours")
      XCTAssertEqual(ColorMapping.number(color, colors: 16), x16, "\(color) on 16 colours")
      XCTAssertEqual(ColorMapping.number(color, colors: 8), x8, "\(color) on 8 colours")
    }
    // 256-colour entries: kept where there are 256, the nearest ANSI colour otherwise.
    XCTAssertEqual(ColorMapping.number(.palette(203), colors: 256), 203)
    XCTAssertEqual(ColorMapping.number(.palette(203), colors: 16), 1)
    XCTAssertEqual(ColorMapping.number(.palette(77), colors: 8), 2)
    XCTAssertEqual(ColorMapping.number(.palette(12), colors: 8), 4, "bright blue is blue on 8 colours")
    XCTAssertEqual(ColorMapping.number(.default, colors: 8), -1)
  }

  func testAThemeIsFittedToTheTerminalOnce() throws {
    let nord = try builtIn.load("nord")
    XCTAssertEqual(
      nord.forTerminal(colors: 256)[.borderFocused], CellStyle(foreground: .palette(109), attributes: .bold))
    XCTAssertEqual(nord.forTerminal(colors: 16)[.error], CellStyle(foreground: .palette(8), attributes: .bold))
    XCTAssertEqual(Theme.defaultDark.forTerminal(colors: 256), Theme.defaultDark, "256 colours: nothing to change")
    XCTAssertEqual(Theme.defaultDark.forTerminal(colors: 16)[.borderFocused].foreground, .palette(8))
    let fitted = try builtIn.load("gruvbox-dark").forTerminal(colors: 8)
    for key in StyleKey.allCases {
      for color in [fitted[key].foreground, fitted[key].background] {
        if case .palette(let index) = color { XCTAssertLessThan(index, 8, "\(key)") }
        if case .rgb = color { XCTFail("\(key) still has a 24-bit colour") }
      }
    }
  }

  func testNoColourMeansAttributesOnly() throws {
    XCTAssertFalse(ColorMode.auto.wantsColor(environment: ["NO_COLOR": "1"]))
    XCTAssertFalse(ColorMode.never.wantsColor(environment: [:]))
    XCTAssertEqual(ColorMode(rawValue: "never"), .never)
    // No colours (NO_COLOR, --color never, or a terminal without them): curses reports 0.
    XCTAssertEqual(Theme.defaultDark.forTerminal(colors: 0), Theme.monochrome)
    for name in BuiltinThemes.names {
      let theme = try builtIn.load(name).forTerminal(colors: 0)
      for key in StyleKey.allCases {
        XCTAssertEqual(theme[key].foreground, .default, "\(name) \(key)")
        XCTAssertEqual(theme[key].background, .default, "\(name) \(key)")
      }
      XCTAssertFalse(theme[.selection].attributes.isEmpty, "\(name): the selection still shows")
    }
  }
}
