import MFSClient
import MFSConfig
import MFSCore
import MFSMetadata
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// One run of `mfs`: the global options, a connection, one command. Operation failures are
/// reported per path as coreutils does (`mfs: cannot stat '/x': No such file or directory`)
/// and the run goes on with the next path; a failure of the connection itself stops it.
final class Tool {
    let client: MasterClient
    /// Whether any operation failed: the exit status is then 1.
    private(set) var failed = false

    init(client: MasterClient) { self.client = client }

    static func run(_ arguments: [String]) async -> Int32 {
        let invocation: Invocation
        let command: Command
        do throws(UsageError) {
            invocation = try Invocation(arguments, environment: getenv("MFS_MASTER").map { String(cString: $0) })
            if invocation.help {
                print(Usage.text)
                return 0
            }
            command = try Command(invocation.command, invocation.arguments)
        } catch {
            printError("\(error.message)\n\(Usage.text)")
            return 2
        }
        let client: MasterClient
        do {
            client = try await MasterClient.connect(invocation.options)
        } catch {
            printError(connectFailure(error, passwordGiven: invocation.options.password != nil))
            return 1
        }
        let tool = Tool(client: client)
        var status: Int32 = 0
        do {
            try await tool.execute(command)
            if tool.failed { status = 1 }
        } catch {
            printError(sentence(error))
            status = 1
        }
        await client.close()
        return status
    }

    private static func connectFailure(_ error: ClientError, passwordGiven: Bool) -> String {
        switch error {
        case .unreachable(let reasons): "cannot reach the master at \(reasons.joined(separator: "; "))"
        case .sessionRefused(.badPassword) where passwordGiven: "the master refused the password given with -P for this export"
        case .sessionRefused(.badPassword): "the master wants a password for this export (mfs -P PASSWORD)"
        default: sentence(error)
        }
    }

    /// A client error after `mfs: `, lowercased as coreutils words its own messages.
    static func sentence(_ error: ClientError) -> String {
        let text = error.description
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private func execute(_ command: Command) async throws(ClientError) {
        switch command {
        case .ls(let long, let all, let paths): try await list(paths, long: long, all: all)
        case .stat(let paths): try await stat(paths)
        case .mkdir(let parents, let mode, let paths): try await makeDirectories(paths, parents: parents, mode: mode)
        case .rm(let recursive, let force, let paths): try await remove(paths, recursive: recursive, force: force)
        case .rmdir(let paths): try await removeDirectories(paths)
        case .mv(let source, let destination): try await move(source, to: destination)
        case .ln(let symbolic, let target, let name): try await link(target, name, symbolic: symbolic)
        case .readlink(let paths): try await readlinks(paths)
        case .touch(let paths): try await touch(paths)
        case .getgoal(let recursive, let paths): try await getGoals(paths, recursive: recursive)
        case .setgoal(let recursive, let goal, let paths): try await setGoals(paths, goal: goal, recursive: recursive)
        case .info: try await info()
        case .put(let local, let path, let goal, let quiet): try await put(local, to: path, goal: goal, quiet: quiet)
        case .get(let path, let local, let quiet): try await get(path, to: local, quiet: quiet)
        case .cat(let paths): try await cat(paths)
        case .truncate(let length, let paths): try await truncate(paths, to: length)
        }
    }

    // MARK: helpers for the commands

    /// Reports an operation's failure (`mfs: cannot stat 'x': No such file or directory`) and
    /// goes on; rethrows a failure of the connection, which ends the run.
    func report(_ error: ClientError, _ what: String) throws(ClientError) {
        guard case .fs(let fsError) = error else { throw error }
        printError("\(what): \(fsError.message)")
        failed = true
    }

    /// Marks the run failed with a message of the tool's own.
    func complain(_ message: String) {
        printError(message)
        failed = true
    }

    /// The directory that holds the last name of `path`, and that name; nil for the root.
    func parentAndName(_ path: String) async throws(ClientError) -> (directory: Attributes, name: EntryName)? {
        guard let (parentNames, name) = try PathComponents.parentAndName(path) else { return nil }
        let directory = try await client.resolve(parentNames)
        guard directory.type == .directory else { throw .fs(.notDirectory) }
        return (directory, name)
    }

    /// The process's umask, for modes the user did not give.
    static let umask: UInt16 = {
        let mask = Glibc.umask(0)
        _ = Glibc.umask(mask)
        return UInt16(mask & 0o777)
    }()
}

/// Writes `mfs: message` to standard error, unbuffered.
func printError(_ message: String) {
    MFSStorage.printError("mfs: \(message)\n")
}

/// `'path'`, as coreutils quotes names in messages.
func quoted(_ path: String) -> String { "'\(path)'" }
