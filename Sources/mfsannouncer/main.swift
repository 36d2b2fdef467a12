import MFSAnnouncer

#if canImport(Glibc)
    import Glibc
#endif

// mfsannouncer: the VRRPv3 announcer that moves the master's virtual IP (docs/ANNOUNCER.md).
exit(AnnouncerCommand.main(Array(CommandLine.arguments.dropFirst())))
