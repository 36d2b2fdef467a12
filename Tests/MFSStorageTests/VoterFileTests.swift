import Foundation
import MFSCore
import Testing

@testable import MFSStorage

/// The voter file (`voter.mfs`): its promise feeds the next epoch a candidate asks for, so an
/// epoch past `Epoch.maximum` in it is refused at the load, naming the file, as a torn or
/// edited file is.
@Suite struct VoterFileTests {
    @Test func aSavedFileLoadsBack() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + VoterFile.masterName
        let file = VoterFile(member: MemberID(0xAB), promised: .maximum, candidate: MemberID(0xCD))
        try file.save(path)
        #expect(try VoterFile.loadOrCreate(path) == file)
    }

    @Test func aPromisePastTheMaximumEpochIsRefused() {
        let text = "\(VoterFile.header)\nmember=00000000000000ab\npromised=\(Epoch.maximum.rawValue + 1)\ncandidate=00000000000000cd\n"
        #expect {
            try VoterFile.parse(Array(text.utf8), path: "/d/voter.mfs")
        } throws: { error in
            "\(error)".contains("promised epoch \(Epoch.maximum.rawValue + 1) is above \(Epoch.maximum)")
                && "\(error)".contains("/d/voter.mfs")
        }
    }
}
