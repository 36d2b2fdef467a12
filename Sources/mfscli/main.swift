import Foundation
import MFSStatus

#if canImport(Glibc)
    import Glibc
#endif

/// mfscli: a master's status as a table, or JSON for scripts; `dump` asks it to dump its
/// metadata now (`POST /dump`, allowed from the master's own host only); `promote` and `demote`
/// change its role (`POST /promote`, `POST /demote`: from its host, or with `AUTH_CODE`).
///
///     mfscli [-H host[:port]] [--json] [--timeout SEC] [--auth-code CODE] [status | dump | promote [--force] | demote]
let usage = """
    usage: mfscli [-H host[:port]] [--json] [--timeout SEC] [--auth-code CODE] [status | dump | promote [--force] | demote]
      status          the master's status (the default)
      dump            dump the metadata now and print its version (from the master's host only)
      promote         make a follower the active master now (it writes EPOCH n+1); refused while
                      the active master it follows still streams to it, unless --force
      demote          make an active master stop accepting writes at once (fenced)
      -H host[:port]  the master's status address (default 127.0.0.1:9428)
      --json          print the status as JSON
      --timeout SEC   give up after SEC seconds (default 2; dump, promote, demote: 600)
      --auth-code C   prove AUTH_CODE for promote/demote from another host (default: $MFS_AUTH_CODE)
    Exit status: 0 the master answered (dump: the dump is written; promote/demote: done), 1 it
    did not (or answered nonsense, or refused), 2 usage error.
    """
var host = "127.0.0.1"
var json = false
var timeout: Double?
var command = "status"
var force = false
var authCode = ProcessInfo.processInfo.environment["MFS_AUTH_CODE"]
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
    case "status", "dump", "promote", "demote": command = argument
    case "--force": force = true
    case "--auth-code":
        guard let value = arguments.first else {
            FileHandle.standardError.write(Data("mfscli: --auth-code needs a value\n\(usage)\n".utf8))
            exit(2)
        }
        authCode = value
        arguments.removeFirst()
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("mfscli: unknown argument \(argument)\n\(usage)\n".utf8))
        exit(2)
    }
}

if command != "status" {
    let (name, port) = StatusClient.split(host)
    let path = "/\(command)"
    var headers: [String: String] = [:]
    if let authCode, !authCode.isEmpty, command != "dump" {
        headers["X-MFS-Auth"] = AdminAuth.header(path: path, code: authCode, now: AdminAuth.now())
    }
    do {
        let (code, body) = try StatusClient.get(
            host: name, port: port, path: path + (force ? "?force=1" : ""), timeout: timeout ?? 600, method: "POST", headers: headers)
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard code == 200 else {
            FileHandle.standardError.write(Data("mfscli: \(host) refused the \(command) (HTTP \(code)): \(text)\n".utf8))
            exit(1)
        }
        let done = ["dump": "metadata dumped", "promote": "promoted", "demote": "demoted"][command]!
        print(json ? text : "\(done): \(text)")
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
