import Foundation

/// Runs the program at `path` with `arguments` (and `environment` added to this process's) and
/// waits for it; returns its exit status, its standard output and its standard error.
public func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs a binary of this package's debug build (`mfscli`, `mfsmaster` …), as `runProgram`.
public func runBinary(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    try runProgram(MasterProcess.binaryPath(name), arguments)
}
