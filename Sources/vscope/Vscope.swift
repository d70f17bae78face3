import ArgumentParser
import DataFormats
import Engine
import Foundation
import MilvusAdapter
import Model
import TUI

/// `vscope`: a terminal explorer for vector collections, and a scriptable CLI over the same protocol.
@main
struct Vscope: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vscope",
    abstract: "Explore vector collections: the embedded store or a Milvus server.",
    discussion: """
      Every subcommand works on the embedded store in $XDG_DATA_HOME/vscope (or ~/.local/share/vscope);
      --data DIR picks another. Add --json for one JSON document on stdout; messages go to stderr.
      Exit codes: 0 ok, 1 a problem you can fix (the message says what), 2 an internal failure.
      """,
    version: EmbeddedBackend.version,
    subcommands: [
      Collections.self, Describe.self, Create.self, Drop.self, Rename.self, Import.self, Export.self, Insert.self,
      Delete.self, Query.self, Count.self, Search.self, Load.self, Release.self, IndexCommand.self,
      Partitions.self, Databases.self, DemoCommand.self, BenchCommand.self, CopyCommand.self, TUIBenchCommand.self,
      PlayCommand.self, RecordCommand.self, CompareCommand.self,
    ]
  )

  @OptionGroup var backend: BackendOptions
  @OptionGroup var explorer: ExplorerFlags

  /// With no subcommand: the explorer in a terminal, the help text otherwise.
  func run() async throws {
    guard isatty(0) != 0, isatty(1) != 0 else {
      print(Vscope.helpMessage())
      return
    }
    let ending = try await runInExplorer(backend: backend, flags: explorer)
    if ending.exitCode != 0 { throw ExitCode(ending.exitCode) }
  }

  /// Parses, runs, and maps failures onto the documented exit codes.
  static func main() async {
    let command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { print(message) }
        Foundation.exit(0)
      }
      FileHandle.standardError.write(Data((message + "\n").utf8))
      Foundation.exit(1)
    }
    do {
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        var syncCommand = command
        try syncCommand.run()
      }
      Foundation.exit(0)
    } catch let error as VectorError {
      Console.error(error.description)
      Foundation.exit(error.isUserError ? 1 : 2)
    } catch let error as ImportError {
      Console.error(error.description)
      Foundation.exit(1)
    } catch let error as UserError {
      Console.error(error.message)
      Foundation.exit(1)
    } catch let error as ExitCode {
      Foundation.exit(error.rawValue)
    } catch {
      // `--help` and `help COMMAND` run ArgumentParser's help command, which ends with a clean exit.
      if exitCode(for: error) == .success {
        let message = fullMessage(for: error)
        if !message.isEmpty { print(message) }
        Foundation.exit(0)
      }
      Console.error("\(error)")
      Foundation.exit(2)
    }
  }
}

/// How the explorer looks: its theme and whether it uses colour. The config file
/// (`$XDG_CONFIG_HOME/vscope/config.toml`) may name a theme too; `--theme` wins.
struct ExplorerFlags: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The explorer's theme: a name or a .toml file.",
      discussion: "Built-in: default, light, mono, high-contrast, nord, gruvbox-dark, solarized-dark; "
        + "NAME also finds $XDG_CONFIG_HOME/vscope/themes/NAME.toml.",
      valueName: "name|path"))
  var theme: String?

  @Option(name: .long, help: "Colour: auto (NO_COLOR and the terminal decide), always or never.")
  var color: String = "auto"

  @OptionGroup var embed: EmbedCommandOption

  func validate() throws {
    guard ColorMode(rawValue: color) != nil else { throw ValidationError("--color must be auto, always or never") }
  }
}

/// `--embed-cmd`: the command that turns text into a query vector, for the explorer's search
/// form and `search --text` (the config file's `embed_cmd` otherwise).
struct EmbedCommandOption: ParsableArguments {
  @Option(
    name: .customLong("embed-cmd"),
    help: ArgumentHelp(
      "The command that embeds search text (default: embed_cmd in the config file).",
      discussion: "Run with /bin/sh -c; it gets the text on stdin and prints a JSON array of numbers.",
      valueName: "command"))
  var command: String?

  func validate() throws {
    if let command, command.trimmingCharacters(in: .whitespaces).isEmpty {
      throw ValidationError("--embed-cmd must not be empty")
    }
  }
}

/// A problem the user can fix, reported as one line with exit code 1.
struct UserError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// Where the data lives: the embedded store (default) or a Milvus server.
struct BackendOptions: ParsableArguments {
  @Option(name: .long, help: "The embedded store's directory (default: $XDG_DATA_HOME/vscope).")
  var data: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "A Milvus server: milvus://[user:password@]host[:port][/database], http:// / https:// (TLS), or the name of a saved connection.",
      discussion:
        "Saved connections are [[connections]] in $XDG_CONFIG_HOME/vscope/config.toml (name, uri, token, db).",
      valueName: "uri|name"))
  var milvus: String?

  @Option(
    name: .long, help: "A Milvus token (user:password or an API key); else the saved connection's, else MILVUS_TOKEN.")
  var token: String?

  @Option(name: .customLong("tls-ca"), help: "A PEM file of CA certificates to trust for https:// Milvus.")
  var tlsCA: String?

  @Option(name: .customLong("timeout"), help: "Seconds to wait for one Milvus call.")
  var timeout: Int = 30

  @Option(name: .long, help: "The database to use.")
  var db: String?

  func validate() throws {
    if data != nil && milvus != nil { throw ValidationError("give either --data DIR or --milvus URI, not both") }
    if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
  }

  /// Opens the backend. The embedded store's read-only commands take no lock, so they run beside a writer.
  func open(writable: Bool) async throws -> any VectorBackend {
    let backend: any VectorBackend
    if let milvus {
      backend = try milvusBackend(SavedConnections.endpoint(for: milvus), tokenFlagApplies: true)
    } else {
      let directory = data ?? EmbeddedBackend.defaultDirectory()
      backend = try EmbeddedBackend(directory: directory, readOnly: !writable)
    }
    if let db { try await backend.useDatabase(db) }
    return backend
  }

  /// A client for `endpoint` with this command line's CA file and timeout. Its token: `--token`
  /// when `tokenFlagApplies` and given, else the endpoint's own (a saved connection's), else
  /// `MILVUS_TOKEN`. `--token` never goes to a saved connection other than `--milvus NAME`'s.
  func milvusBackend(
    _ endpoint: MilvusEndpoint, tokenFlagApplies: Bool, strongConsistency: Bool = false
  ) throws -> MilvusBackend {
    var endpoint = endpoint
    endpoint.token =
      (tokenFlagApplies ? token : nil) ?? endpoint.token
      ?? ProcessInfo.processInfo.environment["MILVUS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    endpoint.caFile = tlsCA
    endpoint.callTimeout = .seconds(timeout)
    return try MilvusBackend(endpoint: endpoint, strongConsistency: strongConsistency)
  }
}

extension BackendOptions {
  /// Opens the collection a `:compare LOCATION` names in the explorer (the forms `vscope copy`
  /// takes, `connections` being the config's), with this command line's store directory, token,
  /// CA file and timeout: an embedded store read-only, Milvus with strong consistency.
  func locationOpener(connections: [SavedConnection])
    -> @Sendable (String) async throws -> (
      backend: any VectorBackend, collection: String
    )
  {
    let options = self
    return { text in
      do {
        let location = try CopyLocation(parsing: text, defaultDirectory: options.data, connections: connections)
        return (try location.open(writable: false, with: options), location.collection)
      } catch let error as UserError {
        throw VectorError.invalidArgument(error.message)
      }
    }
  }
}

extension BackendOptions {
  /// Opens a saved connection for the explorer's `:connect NAME`: its uri, token (else
  /// `MILVUS_TOKEN`) and database, with this command line's CA file and timeout.
  var connectionOpener: @Sendable (SavedConnection) async throws -> any VectorBackend {
    let options = self
    return { connection in
      do {
        return try options.milvusBackend(SavedConnections.endpoint(of: connection), tokenFlagApplies: false)
      } catch let error as UserError {
        throw VectorError.invalidArgument(error.message)
      }
    }
  }
}

/// `--json` for scripts.
struct OutputOptions: ParsableArguments {
  @Flag(name: .long, help: "Print one JSON document on stdout instead of a table.")
  var json = false
}

/// Runs `body` with an open backend and closes it (flushing, releasing the lock) on every path.
func withBackend<T>(
  _ options: BackendOptions, writable: Bool, _ body: (any VectorBackend) async throws -> T
) async throws -> T {
  let backend = try await options.open(writable: writable)
  do {
    let result = try await body(backend)
    await backend.close()
    return result
  } catch {
    await backend.close()
    throw error
  }
}
