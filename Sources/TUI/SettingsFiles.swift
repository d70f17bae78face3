#if canImport(Glibc)
  import Glibc
#endif

/// A problem with a theme or config file, said so that the user can find it:
/// `themes/x.toml: styles.header.fg: unknown colour "blu" (line 7)`.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The file as the user named it (or as it was found); nil when no file is involved.
  public var file: String?
  /// The key, dotted from the top of the file (`styles.header.fg`), when one is to blame.
  public var key: String?
  public var message: String
  public var line: Int?
  public var column: Int?

  public init(file: String?, key: String? = nil, _ message: String, line: Int? = nil, column: Int? = nil) {
    self.file = file
    self.key = key
    self.message = message
    self.line = line
    self.column = column
  }

  /// A TOML syntax error in `file`.
  init(file: String, _ error: TOMLError) {
    self.init(file: file, error.message, line: error.line, column: error.column)
  }

  public var description: String {
    var text = ""
    if let file { text += file + ": " }
    if let key { text += key + ": " }
    text += message
    if let line {
      text += " (line \(line)" + (column.map { ", column \($0)" } ?? "") + ")"
    }
    return text
  }
}

/// Small file-system helpers for settings files (the TUI module does without Foundation).
enum SettingsFiles {
  /// Files larger than this are not settings files.
  static let maximumSize = 1 << 20

  /// The text of a UTF-8 file, or why it cannot be had.
  static func read(_ path: String) -> Result<String, SettingsError> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(SettingsError(file: path, "cannot read: \(errorText())")) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      return .failure(SettingsError(file: path, "cannot read: \(errorText())"))
    }
    guard status.st_mode & S_IFMT == S_IFREG else { return .failure(SettingsError(file: path, "is not a file")) }
    guard Int(status.st_size) <= maximumSize else {
      return .failure(SettingsError(file: path, "is too large for a settings file (over 1 MiB)"))
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(SettingsError(file: path, "cannot read: \(errorText())"))
      }
      if count == 0 { break }
      bytes += chunk[0..<count]
      if bytes.count > maximumSize {
        return .failure(SettingsError(file: path, "is too large for a settings file (over 1 MiB)"))
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      return .failure(SettingsError(file: path, "is not UTF-8 text"))
    }
    return .success(text)
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// The names in `directory` (not `.` and `..`); empty when it cannot be read.
  static func list(_ directory: String) -> [String] {
    guard let handle = opendir(directory) else { return [] }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
          String(cString: $0)
        }
      }
      if name != ".", name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// The absolute path with symbolic links resolved, or `path` itself when that fails.
  static func canonical(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The directory part of a path ("." for a bare name).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The file name without its directory and without `.toml`.
  static func stem(of path: String) -> String {
    let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    return name.hasSuffix(".toml") ? String(name.dropLast(5)) : name
  }

  /// vscope's config directory: `$XDG_CONFIG_HOME/vscope`, else `~/.config/vscope`; nil
  /// when neither variable is set. A relative XDG_CONFIG_HOME is ignored, as the spec says.
  static func configDirectory(environment: [String: String]) -> String? {
    if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") { return base + "/vscope" }
    if let home = environment["HOME"], !home.isEmpty { return home + "/.config/vscope" }
    return nil
  }

  private static func errorText() -> String {
    guard let text = strerror(errno) else { return "error \(errno)" }
    return String(cString: text)
  }
}
