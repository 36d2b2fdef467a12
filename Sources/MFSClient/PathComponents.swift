import MFSCore

/// Splits a path inside the mount into entry names, lexically: empty components and `.` are
/// dropped, `..` drops the name before it (and stays at the root at the top, as `/..` is `/`).
/// Symlinks are not followed, so `a/link/..` is `a`, as a shell's `cd -L` would have it.
public enum PathComponents {
    public static func split(_ path: String) throws(ClientError) -> [EntryName] {
        var names: [EntryName] = []
        for component in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            switch Array(component) {
            case [UInt8(ascii: ".")]:
                continue
            case [UInt8(ascii: "."), UInt8(ascii: ".")]:
                if !names.isEmpty { names.removeLast() }
            case let bytes:
                do throws(FSError) {
                    names.append(try EntryName(validating: bytes))
                } catch {
                    throw .fs(error)
                }
            }
        }
        return names
    }

    /// The path of the parent directory and the last name: `"/a/b/c"` → `("/a/b", "c")`; nil
    /// for the root, which has no name in a parent.
    public static func parentAndName(_ path: String) throws(ClientError) -> (parent: [EntryName], name: EntryName)? {
        var names = try split(path)
        guard let last = names.popLast() else { return nil }
        return (names, last)
    }
}
