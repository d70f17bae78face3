// Opens the explorer on an embedded store: `vscope-tui-demo DIR`. The tmux test runs it; the
// real `vscope` executable calls `runExplorer` the same way.
import Engine
import Foundation
import Model
import TUI

func printError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

@MainActor
func main() async -> Int32 {
  let arguments = CommandLine.arguments
  guard arguments.count == 2 else {
    printError("usage: vscope-tui-demo DATA_DIRECTORY")
    return 2
  }
  do {
    let backend = try EmbeddedBackend(directory: arguments[1])
    let ending = try await runExplorer(backend: backend)
    await backend.close()
    return ending.exitCode
  } catch {
    printError("vscope-tui-demo: \(error)")
    return 2
  }
}

exit(await main())
