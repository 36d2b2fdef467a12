import MFSRestore
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// mfsmetarestore: replays changelogs onto a metadata file. Exit 0 on success, 1 on bad input
/// (nothing written), 2 on a usage error.
let arguments = Array(CommandLine.arguments.dropFirst())
let mode: RestoreCommand.Mode
do {
    guard let parsed = try RestoreCommand.parse(arguments) else {
        print(RestoreCommand.usage)
        exit(0)
    }
    mode = parsed
} catch {
    printError("mfsmetarestore: \(error)\n\(RestoreCommand.usage)\n")
    exit(2)
}

let onTerminal = isatty(STDERR_FILENO) == 1
do {
    let summary = try RestoreCommand.run(
        mode, warn: { printError("mfsmetarestore: warning: \($0)\n") },
        progress: onTerminal ? { printError("\rmfsmetarestore: \($0) changes applied…") } : nil)
    if onTerminal { printError("\r\u{1B}[K") }
    print(summary.line)
    exit(0)
} catch {
    if onTerminal { printError("\r\u{1B}[K") }
    printError("mfsmetarestore: error: \(error)\nmfsmetarestore: nothing was written\n")
    exit(1)
}
