import MFSClient
import MFSCore
import Testing

@Suite struct PathComponentsTests {
    @Test func slashesAndDotsCollapse() throws {
        #expect(try PathComponents.split("/") == [])
        #expect(try PathComponents.split("") == [])
        #expect(try PathComponents.split("//a///b/./c/") == ["a", "b", "c"])
        #expect(try PathComponents.split("a/b") == ["a", "b"])
    }

    @Test func dotDotDropsTheNameBeforeAndStopsAtTheRoot() throws {
        #expect(try PathComponents.split("/a/b/../c") == ["a", "c"])
        #expect(try PathComponents.split("/../../a") == ["a"])
    }

    @Test func parentAndNameSplitTheLastComponent() throws {
        let split = try #require(try PathComponents.parentAndName("/a/b/c"))
        #expect(split.parent == ["a", "b"])
        #expect(split.name == "c")
        #expect(try PathComponents.parentAndName("/") == nil)
    }

    @Test func aNameAtTheLimitIsFineAndOnePastIsTooLong() throws {
        let atLimit = String(repeating: "x", count: EntryName.maxLength)
        #expect(try PathComponents.split("/\(atLimit)").count == 1)
        #expect(throws: ClientError.fs(.nameTooLong)) { try PathComponents.split("/\(atLimit)x") }
    }
}
