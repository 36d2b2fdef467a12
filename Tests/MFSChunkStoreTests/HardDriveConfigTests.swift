import MFSChunkStore
import MFSCore
import Testing

@Suite struct HardDriveConfigTests {
    @Test func goodLinesParse() throws {
        let text = """
            # data directories
            /mnt/hdd1

            */mnt/hdd2/
            <~/mnt/hdd3 -20GiB
            >/mnt/hdd4\t1.5TB
            /mnt/my disk
            /mnt/hdd5 0
            /mnt/hdd6 500MiB   \r
            """
        let entries = try HardDriveConfig.parse(text, file: "mfshdd.cfg")
        #expect(
            entries.map(\.path) == ["/mnt/hdd1/", "/mnt/hdd2/", "/mnt/hdd3/", "/mnt/hdd4/", "/mnt/my disk/", "/mnt/hdd5/", "/mnt/hdd6/"])
        #expect(entries[1].markedForRemoval && !entries[0].markedForRemoval)
        #expect(entries[2].rebalance == .moveOut && entries[2].ignoresSizeChanges)
        #expect(entries[2].sizeLimit == .leaveFree(20 << 30))
        #expect(entries[3].rebalance == .moveIn && entries[3].sizeLimit == .useAtMost(1_500_000_000_000))
        #expect(entries[5].sizeLimit == .none)  // 0: no limit, as MooseFS
        #expect(entries[6].sizeLimit == .useAtMost(500 << 20))
    }

    @Test func sizesFollowMooseFSUnits() {
        #expect(DataSize.parse("4096") == 4096)
        #expect(DataSize.parse("1k") == 1000 && DataSize.parse("1Ki") == 1024 && DataSize.parse("1KiB") == 1024)
        #expect(DataSize.parse("2.5G") == 2_500_000_000 && DataSize.parse("1Ei") == 1 << 60)
        #expect(DataSize.parse(".5M") == 500_000)
        #expect(DataSize.parse("16Ei") == nil)  // past UInt64
        for bad in ["", "G", "1K", "1X", "1.2.3", "-1", "1 G"] { #expect(DataSize.parse(Substring(bad)) == nil, "\(bad)") }
    }

    @Test func badLinesNameTheFileTheLineAndTheProblem() {
        let cases: [(String, Int, HardDriveConfigError.Problem)] = [
            ("/ok\nrelative/dir", 2, .relativePath("relative/dir")),
            ("*", 1, .noPath),
            ("# c\n/a 12XB", 2, .badSize("12XB")),
            ("/a -lots", 1, .badSize("-lots")),
            ("/a\n/b\n/a/", 3, .sameDirectoryTwice("/a/", firstLine: 1)),
        ]
        for (text, line, problem) in cases {
            #expect(throws: HardDriveConfigError(file: "/etc/mfs/mfshdd.cfg", line: line, problem: problem)) {
                try HardDriveConfig.parse(text, file: "/etc/mfs/mfshdd.cfg")
            }
        }
        let error = HardDriveConfigError(file: "mfshdd.cfg", line: 2, problem: .relativePath("x"))
        #expect(error.description == "mfshdd.cfg:2: 'x' is not an absolute path")
    }

    @Test func lineLengthIsLimited() throws {
        let longest = "/" + String(repeating: "d", count: HardDriveConfig.maxLineLength - 1)
        #expect(try HardDriveConfig.parse(longest, file: "f").count == 1)
        let tooLong = longest + "d"
        #expect(throws: HardDriveConfigError(file: "f", line: 1, problem: .lineTooLong(HardDriveConfig.maxLineLength + 1))) {
            try HardDriveConfig.parse(tooLong, file: "f")
        }
    }
}
