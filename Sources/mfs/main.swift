import MFSClient

#if canImport(Glibc)
    import Glibc
#endif

// mfs: metadata commands against the master, without a mount. Exit status as coreutils:
// 0 done, 1 an operation failed (or the master could not be reached), 2 bad usage.
exit(await Tool.run(Array(CommandLine.arguments.dropFirst())))
