/// A problem with an import file: which file, where in it, and what is wrong.
///
/// `description` reads like `rows.jsonl line 17: the dim (3) of field data(vector) is not equal
/// to schema dim (4)`, or `x.npy: expected a 2-D float32 array ('<f4'), found '<f8'` for
/// problems that are not tied to a line. Binary formats name the 1-based row in `message`
/// (`x.fvecs: row 12 has dimension 100 but the first row has 128`) and also set `row`.
public struct ImportError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file as the caller named it.
  public var file: String
  /// The 1-based line of a text file where the bad record starts (or where the syntax error is).
  public var line: Int?
  /// The 1-based row of a binary file (`.fvecs`, `.npy`).
  public var row: Int?
  /// What is wrong, without the file and line prefix.
  public var message: String
  /// Whether the file could not be read at all (an operating-system failure) rather than holding bad data.
  public var isIOError: Bool

  public init(file: String, line: Int? = nil, row: Int? = nil, message: String, isIOError: Bool = false) {
    self.file = file
    self.line = line
    self.row = row
    self.message = message
    self.isIOError = isIOError
  }

  public var description: String {
    if let line { return "\(file) line \(line): \(message)" }
    return "\(file): \(message)"
  }
}
