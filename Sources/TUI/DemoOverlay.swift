import Model

/// What demos draw over the explorer: a script's caption box, and the welcome box that an
/// empty embedded store shows in the Collections pane.
enum DemoOverlay {
  /// What the welcome box says on an empty store that can have the demo data.
  static let welcome =
    "No collections yet. Press d to create the demo data (colors, catalog: about 20 s), or : for commands."

  /// The caption (and, while paused, that it is) in a box above the status line, centred.
  @MainActor
  static func drawCaption(player: DemoPlayer, into buffer: inout CellBuffer, theme: Theme) {
    let caption = player.caption ?? (player.isPaused ? "" : nil)
    guard let caption, buffer.width >= 20, buffer.height >= 6 else { return }
    let (done, total) = player.progress
    let name = player.playback.script.file.split(separator: "/").last.map(String.init) ?? ""
    let title = player.isPaused ? " ❚❚ paused: Space resumes " : " ▶ \(name) \(done)/\(total) "
    let footer = " Space pauses · q quits "
    // Wide enough for the caption, and for the title and footer side by side when it can be.
    let wanted = max(DisplayWidth.of(caption), DisplayWidth.of(title) + DisplayWidth.of(footer) + 2)
    let textWidth = max(1, min(buffer.width - 8, wanted))
    let lines = caption.isEmpty ? [] : Format.wrap(caption, width: textWidth)
    let height = min(buffer.height - 3, lines.count + 2)
    let width = textWidth + 4
    let rect = Rect(x: (buffer.width - width) / 2, y: buffer.height - 1 - height, width: width, height: height)
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height)
    buffer.drawBorder(rect, glyphs: .thick, style: theme[.borderFocused])
    buffer.put(title, x: rect.x + 2, y: rect.y, style: theme[.titleFocused], maxWidth: rect.width - 4)
    if DisplayWidth.of(title) + DisplayWidth.of(footer) + 6 <= rect.width {
      buffer.put(footer, x: rect.maxX - 2 - DisplayWidth.of(footer), y: rect.maxY - 1, style: theme[.dim])
    }
    for (row, line) in lines.prefix(height - 2).enumerated() {
      buffer.put(line, x: rect.x + 2, y: rect.y + 1 + row, maxWidth: textWidth)
    }
  }

  /// The welcome box in the Collections pane's inside: the offer, or the demo being created
  /// with its progress.
  static func drawWelcome(into buffer: inout CellBuffer, rect: Rect, state: ExplorerState, theme: Theme) {
    guard rect.width >= 20, rect.height >= 3 else { return }
    let installing = state.operations.values.first { if case .installDemo = $0.request { true } else { false } }
    let width = min(rect.width, 72)
    var lines: [(String, CellStyle)]
    if let installing {
      let frame = ExplorerView.spinnerFrames[state.spinnerFrame % ExplorerView.spinnerFrames.count]
      lines = [("\(frame) Creating the demo data (colors, catalog)…", .plain)]
      if let note = state.progressNotes[installing.id] { lines.append((note, theme[.progress])) }
      lines.append(("Esc cancels", theme[.dim]))
    } else {
      lines = [(welcome, .plain)]
    }
    let wrapped = lines.flatMap { line in Format.wrap(line.0, width: width - 4).map { ($0, line.1) } }
    let height = min(rect.height, wrapped.count + 2)
    let box = Rect(
      x: rect.x + (rect.width - width) / 2, y: rect.y + max(0, (rect.height - height) / 2), width: width, height: height
    )
    buffer.drawBorder(box, glyphs: .light, style: theme[.border])
    buffer.put(" Welcome ", x: box.x + 2, y: box.y, style: theme[.title])
    for (row, line) in wrapped.prefix(height - 2).enumerated() {
      buffer.put(line.0, x: box.x + 2, y: box.y + 1 + row, style: line.1, maxWidth: width - 4)
    }
  }
}
