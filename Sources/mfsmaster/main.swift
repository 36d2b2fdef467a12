import MFSMaster

#if canImport(Glibc)
    import Glibc
#endif

// mfsmaster: the metadata master (README, docs/MASTER.md).
exit(await MasterCommand.main(Array(CommandLine.arguments.dropFirst())))
