import Foundation
import MFSStatus

#if canImport(Glibc)
    import Glibc
#endif

/// mfscli: a master's status as a table, or JSON for scripts; `dump` asks it to dump its
/// metadata now (`POST /dump`, allowed from the master's own host only).
///
///     mfscli [-H host[:port]] [--json] [--timeout SEC] [status | dump]
let usage = """
    usage: mfscli [-H host[:port]] [--json] [--timeout SEC] [status | dump]
      status          the master's status (the default)
      dump            dump the metadata now and print its version (from the master's host only)
      -H host[:port]  the master's status address (default 127.0.0.1:9425)
      --json          print the status as JSON
      --timeout SEC   give up after SEC seconds (default 2; dump: 600)
    Exit status: 0 the master answered (dump: the dump is written), 1 it did not (or answered
    nonsense, or the dump failed), 2 usage error.
    """
var host = "127.0.0.1"
var json = false
var timeout: Double?
var command = "status"
var arguments = Array(CommandLine.arguments.dropFirst())
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "-H":
        guard let value = arguments.first else {
            FileHandle.standardError.write(Data("mfscli: -H needs a host\n\(usage)\n".utf8))
            exit(2)
        }
        host = value
        arguments.removeFirst()
    case "--json": json = true
    case "--timeout":
        guard let value = arguments.first.flatMap(Double.init), value > 0 else {
            FileHandle.standardError.write(Data("mfscli: --timeout needs a positive number of seconds\n\(usage)\n".utf8))
            exit(2)
        }
        timeout = value
        arguments.removeFirst()
    case "status", "dump": command = argument
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("mfscli: unknown argument \(argument)\n\(usage)\n".utf8))
        exit(2)
    }
}

if command == "dump" {
    let (name, port) = StatusClient.split(host)
    do {
        let (code, body) = try StatusClient.get(host: name, port: port, path: "/dump", timeout: timeout ?? 600, method: "POST")
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard code == 200 else {
            FileHandle.standardError.write(Data("mfscli: \(host) refused the dump (HTTP \(code)): \(text)\n".utf8))
            exit(1)
        }
        print(json ? text : "metadata dumped: \(text)")
    } catch {
        FileHandle.standardError.write(Data("mfscli: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

do {
    let status = try StatusClient.fetch(host, timeout: timeout ?? 2)
    if json {
        FileHandle.standardOutput.write(Data(status.json()))
    } else {
        print(StatusTable.render(status, address: host))
    }
} catch {
    FileHandle.standardError.write(Data("mfscli: \(error)\n".utf8))
    exit(1)
}
