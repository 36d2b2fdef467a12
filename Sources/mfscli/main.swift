import Foundation
import MFSStatus

#if canImport(Glibc)
    import Glibc
#endif

/// mfscli: a master's status as a table, or JSON for scripts.
///
///     mfscli [-H host[:port]] [--json] [status]
let usage = """
    usage: mfscli [-H host[:port]] [--json] [status]
      -H host[:port]  the master's status address (default 127.0.0.1:9425)
      --json          print the status as JSON
      --timeout SEC   give up after SEC seconds (default 2)
    Exit status: 0 the master answered, 1 it did not (or answered nonsense), 2 usage error.
    """
var host = "127.0.0.1"
var json = false
var timeout = 2.0
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
    case "status": break
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("mfscli: unknown argument \(argument)\n\(usage)\n".utf8))
        exit(2)
    }
}

do {
    let status = try StatusClient.fetch(host, timeout: timeout)
    if json {
        FileHandle.standardOutput.write(Data(status.json()))
    } else {
        print(StatusTable.render(status, address: host))
    }
} catch {
    FileHandle.standardError.write(Data("mfscli: \(error)\n".utf8))
    exit(1)
}
