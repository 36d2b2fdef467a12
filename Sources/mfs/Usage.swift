/// The command line's shape, for `--help` and usage errors.
enum Usage {
    static let text = """
        usage: mfs [-H host[:port][,host...]] [-P password] [--mount PATH] COMMAND ARGS...

        Metadata commands against a swift-mfs master (no mount needed). Paths are inside the
        mounted export: '/' is its root.

          ls [-l] [-a] PATH...          list directories (-l long format, -a dot entries too)
          stat PATH...                  show attributes
          mkdir [-p] [-m MODE] PATH...  create directories (-p parents too, no error if present)
          rm [-r] [-f] PATH...          remove entries (-r directories recursively, -f ignore missing)
          rmdir PATH...                 remove empty directories
          mv SRC DST                    rename; into DST when it is a directory
          ln [-s] TARGET LINKNAME       hard link (-s symbolic link)
          readlink PATH...              print symlink targets
          touch PATH...                 create empty files, or set their times to now
          getgoal [-r] PATH...          show goals (-r summary of the subtree)
          setgoal [-r] GOAL PATH...     set goals, 1-9 (-r the whole subtree)
          info                          show the master's figures
          put [-q] [-g GOAL] LOCAL PATH store a local file (- for standard input) as PATH
          get [-q] PATH LOCAL           copy PATH to a local file (- for standard output)
          cat PATH...                   print files
          truncate -s SIZE PATH...      set file lengths (K, M, G, T suffixes: powers of 1024)

        put and get stream chunk by chunk (no whole file in memory) and show a progress bar
        on a terminal (-q: none). A put's data is on every replica of its chunks when it
        returns 0.

        options:
          -H LIST      masters to try in order (default: $MFS_MASTER, else mfsmaster:9421)
          -P PASSWORD  the export's password
          --mount PATH the exported directory to use (default /)
          -h, --help   this text
        """
}

/// A command line that does not make sense: said on stderr with the usage text, exit 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Flags and operands of one command: short flags may be grouped (`-rf`), a flag that takes a
/// value takes the next argument or the rest of its group (`-m755`), `--` ends the flags.
struct ParsedArguments {
    var flags: Set<Character> = []
    var values: [Character: String] = [:]
    var operands: [String] = []

    init(_ arguments: [String], flags allowed: String, valued: String = "", command: String) throws(UsageError) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                operands += rest
                return
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                operands.append(argument)
                continue
            }
            var letters = argument.dropFirst()
            while let letter = letters.popFirst() {
                if valued.contains(letter) {
                    let value = letters.isEmpty ? rest.popFirst() : String(letters)
                    guard let value else { throw UsageError("\(command): option -\(letter) needs a value") }
                    values[letter] = value
                    break
                }
                guard allowed.contains(letter) else { throw UsageError("\(command): unknown option -\(letter)") }
                flags.insert(letter)
            }
        }
    }

    func has(_ flag: Character) -> Bool { flags.contains(flag) }

    /// Throws unless the operand count is in `range`.
    func expect(_ range: ClosedRange<Int>, _ command: String, _ what: String) throws(UsageError) {
        guard range.contains(operands.count) else {
            throw UsageError(operands.count < range.lowerBound ? "\(command): missing \(what)" : "\(command): too many operands")
        }
    }
}
