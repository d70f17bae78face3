/// Numbers as people read them, in the explorer and the CLI alike.
public enum Quantity {
  /// `1234567` → `1,234,567`.
  public static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, digit) in digits.enumerated() {
      if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
      result.append(digit)
    }
    return value < 0 ? "-" + result : result
  }

  /// `count` bytes in binary units with one decimal: `512 B`, `1.5 MiB`.
  public static func bytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    guard unit > 0 else { return "\(count) B" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }

  /// A progress bar exactly `width` cells wide: blocks, then the whole percentage (rounded down,
  /// so 100% means done): `████░░░░  40%`. Nothing to do (a total of 0) is done.
  public static func progressBar(done: Int, total: Int, width: Int) -> String {
    let fraction = total > 0 ? min(1, max(0, Double(done) / Double(total))) : 1
    let percent = "\(Int((fraction * 100).rounded(.down)))%"
    let label = String(repeating: " ", count: max(0, 4 - percent.count)) + percent
    let barWidth = max(0, width - label.count - 1)
    let filled = Int((fraction * Double(barWidth)).rounded(.down))
    return String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + " " + label
  }
}
