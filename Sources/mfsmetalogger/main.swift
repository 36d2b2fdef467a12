import MFSMetalogger

#if canImport(Glibc)
    import Glibc
#endif

// mfsmetalogger: follows the master and keeps a verified copy of its metadata (docs/METALOGGER.md).
exit(MetaloggerCommand.main(Array(CommandLine.arguments.dropFirst())))
