import MFSMetadata

extension FileIO {
    /// Writes `namespace` as the metadata file `path` so that a crash leaves the old file or the
    /// whole new one, keeping `keepPrevious` previous copies (`writeAtomically`).
    public static func writeMetadata(_ namespace: Namespace, to path: String, keepPrevious: Int) throws(StorageError) {
        try writeAtomically(path, keepPrevious: keepPrevious) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
            try writeMetadata(namespace, through: write)
        }
    }

    /// Streams the metadata file of `namespace` through `write`, chunk by chunk, and stops
    /// writing at the first chunk that fails (its error is thrown).
    public static func writeMetadata(_ namespace: Namespace, through write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) {
        var failure: StorageError?
        MetadataFile.encode(namespace) { chunk in
            guard failure == nil else { return }
            do throws(StorageError) { try write(chunk) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
