import MFSChunkserver

#if canImport(Glibc)
    import Glibc
#endif

// mfschunkserver: stores chunks for the master (port 9420) and serves them on the data port 9422
// (docs/CHUNKSERVER.md).
exit(await ChunkserverCommand.main(Array(CommandLine.arguments.dropFirst())))
