import Foundation
import MFSStatus

#if canImport(Glibc)
    import Glibc
#endif

/// mfscli: a master's status as a table, or JSON for scripts; `dump` asks it to dump its
/// metadata now (`POST /dump`); `promote` and `demote` change its role (`POST /promote`,
/// `POST /demote`); `remove-chunkserver ID` forgets a chunkserver that is gone for good
/// (`POST /remove-chunkserver/ID`). The admin requests are allowed from the master's own host,
/// or with `ADMIN_AUTH_CODE` proven (never with `AUTH_CODE`, the peers' secret).
///
///     mfscli [-H host[:port]] [--json] [--timeout SEC] [--admin-auth-code CODE]
///            [status | dump | promote [--force] | demote [--force] | remove-chunkserver ID]
let usage = """
    usage: mfscli [-H host[:port]] [--json] [--timeout SEC] [--admin-auth-code CODE]
                  [status | dump | promote [--force] | demote [--force] | remove-chunkserver ID]
      status          the master's status (the default)
      dump            dump the metadata now and print its version
      promote         make a follower the active master by the quorum rule (voters grant EPOCH
                      n+1; the newest log is taken first); refused without enough grants (a voter
                      still hears the active master, or is not heard), unless --force
      demote          make an active master stop accepting writes at once (fenced); refused
                      while an active master at its MASTER_HOST has a lower epoch (that one is
                      stale: a partition healed), unless --force
      remove-chunkserver ID
                      forget a chunkserver that is gone for good (the id mfscli lists): out of
                      the metadata, so a failover no longer waits for it and chunks whose only
                      copies it held read as lost; refused while it is connected
      -H host[:port]  the master's status address (default 127.0.0.1:9428)
      --json          print the status as JSON
      --timeout SEC   give up after SEC seconds (default 2; the admin requests: 600)
      --admin-auth-code C
                      prove the master's ADMIN_AUTH_CODE for the admin requests from another
                      host (default: $MFS_ADMIN_AUTH_CODE); from the master's own host none is needed
    Exit status: 0 the master answered (dump: the dump is written; the others: done), 1 it
    did not (or answered nonsense, or refused), 2 usage error, 75 a promotion refused for now
    (too few voters granted within the wait, or one already under way: ask again).
    """
var host = "127.0.0.1"
var json = false
var timeout: Double?
var command = "status"
var force = false
var adminAuthCode = ProcessInfo.processInfo.environment["MFS_ADMIN_AUTH_CODE"]
/// Said when the old way of proving a code for admin requests is used: AUTH_CODE, the peers'
/// secret, no longer grants them.
let authCodeIsGone =
    "admin requests prove ADMIN_AUTH_CODE now (AUTH_CODE is the peers' secret and grants none): "
    + "use --admin-auth-code CODE or MFS_ADMIN_AUTH_CODE"
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
    case "remove-chunkserver":
        guard let value = arguments.first.flatMap(UInt16.init), value > 0 else {
            FileHandle.standardError.write(Data("mfscli: remove-chunkserver needs a chunkserver id (1-65535)\n\(usage)\n".utf8))
            exit(2)
        }
        command = "remove-chunkserver/\(value)"
        arguments.removeFirst()
    case "--force": force = true
    case "--admin-auth-code":
        guard let value = arguments.first else {
            FileHandle.standardError.write(Data("mfscli: --admin-auth-code needs a value\n\(usage)\n".utf8))
            exit(2)
        }
        adminAuthCode = value
        arguments.removeFirst()
    case "--auth-code":
        FileHandle.standardError.write(Data("mfscli: --auth-code is gone: \(authCodeIsGone)\n".utf8))
        exit(2)
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
    if let adminAuthCode, !adminAuthCode.isEmpty {
        headers["X-MFS-Auth"] = AdminAuth.header(path: path, code: adminAuthCode, now: AdminAuth.now())
    } else if ProcessInfo.processInfo.environment["MFS_AUTH_CODE"].map({ !$0.isEmpty }) == true {
        // Not an error: from the master's own host no code is needed, and a hook's environment
        // may still carry the old variable.
        FileHandle.standardError.write(Data("mfscli: MFS_AUTH_CODE is ignored: \(authCodeIsGone)\n".utf8))
    }
    do {
        let (code, body) = try StatusClient.get(
            host: name, port: port, path: path + (force ? "?force=1" : ""), timeout: timeout ?? 600, method: "POST", headers: headers)
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard code == 200 else {
            let what = command.replacingOccurrences(of: "/", with: " ")
            FileHandle.standardError.write(Data("mfscli: \(host) refused the \(what) (HTTP \(code)): \(text)\n".utf8))
            // 503: the refusal may pass on its own soon (a promotion that found too few voters
            // within its wait): EX_TEMPFAIL, which the announcer's promote hook passes on.
            exit(code == 503 ? 75 : 1)
        }
        let done = ["dump": "metadata dumped", "promote": "promoted", "demote": "demoted"][command] ?? "chunkserver removed"
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
