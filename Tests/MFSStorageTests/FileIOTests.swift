import Foundation
import MFSStorage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FileIOTests {
    /// Each write keeps the previous file as `.back.1` (shifting older ones up to the limit),
    /// and the file itself is replaced in one rename: it is never missing.
    @Test func atomicWritesKeepBackupsAndNeverLeaveTheFileMissing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/metadata.mfs"
        for version in 1...4 {
            try FileIO.writeAtomically(path, keepPrevious: 2) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try write(Array("version \(version)".utf8))
            }
        }
        #expect(try FileIO.read(path) == Array("version 4".utf8))
        #expect(try FileIO.read(path + ".back.1") == Array("version 3".utf8))
        #expect(try FileIO.read(path + ".back.2") == Array("version 2".utf8))
        #expect(!FileIO.exists(path + ".back.3") && !FileIO.exists(path + ".tmp"))
        // The backup is a file of its own, not another name for the current one.
        var current = stat()
        var backup = stat()
        #expect(stat(path, &current) == 0 && stat(path + ".back.1", &backup) == 0)
        #expect(current.st_ino != backup.st_ino && current.st_nlink == 1)
    }

    /// With one backup kept, the old `.back.1` gives way to the new one.
    @Test func oneBackupIsReplaced() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/metadata.mfs"
        for version in 1...3 {
            try FileIO.writeAtomically(path, keepPrevious: 1) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try write(Array("v\(version)".utf8))
            }
        }
        #expect(try FileIO.read(path) == Array("v3".utf8))
        #expect(try FileIO.read(path + ".back.1") == Array("v2".utf8))
        #expect(!FileIO.exists(path + ".back.2"))
    }

    /// A write that fails part way (a full disk while dumping) leaves the old file as it was and
    /// no temporary file: a partial dump kept there would keep the disk full.
    @Test func aFailedWriteLeavesTheOldFileAndNoTemporary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileio-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/metadata.mfs"
        try FileIO.writeAtomically(path) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
            try write(Array("old".utf8))
        }
        #expect(throws: StorageError.self) {
            try FileIO.writeAtomically(path) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try write([UInt8](repeating: 7, count: 1 << 20))
                throw StorageError("write", path + ".tmp")
            }
        }
        #expect(try FileIO.read(path) == Array("old".utf8))
        #expect(!FileIO.exists(path + ".tmp"))
    }
}
