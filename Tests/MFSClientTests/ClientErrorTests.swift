import MFSClient
import MFSCore
import MFSWire
import Testing

@Suite struct ClientErrorTests {
    @Test func anOperationErrorReadsLikeStrerror() {
        #expect(ClientError.fs(.noEntry).description == "No such file or directory")
        #expect(ClientError.fs(.isDirectory).description == "Is a directory")
        #expect(ClientError.fs(.notEmpty).description == "Directory not empty")
    }

    @Test func everyFSErrorHasAMessage() {
        for error in FSError.allCases { #expect(!error.message.isEmpty && error.message.first!.isUppercase) }
    }

    @Test func realErrnosPassThroughAndProtocolCasesAreEIO() {
        #expect(ClientError.fs(.noEntry).errno == 2)
        #expect(ClientError.fs(.notEmpty).errno == 39)
        #expect(ClientError.fs(.requestExpired).errno == 5)
        #expect(ClientError.fs(.badSession).errno == 5)
        #expect(ClientError.requestExpired.errno == 5)
        #expect(ClientError.unreachable(["a:1: Connection refused"]).errno == 5)
        #expect(ClientError.sessionRefused(.accessDenied).errno == 13)
        #expect(ClientError.sessionRefused(.badPassword).errno == 13)
        #expect(ClientError.timedOut("x").errno == 110)
    }

    @Test func unreachableNamesEveryAddressAndReason() {
        let error = ClientError.unreachable(["10.0.0.1:9421: Connection refused", "10.0.0.2:9421: unknown host"])
        #expect(error.description == "Cannot reach the master at 10.0.0.1:9421: Connection refused; 10.0.0.2:9421: unknown host")
    }

    @Test func everyErrnoStatusMapsToItsFSError() {
        for error in FSError.allCases where error != .badSession && error != .requestExpired {
            #expect(ReplyOutcome(.status(RequestID(1), WireStatus(error), activeMaster: nil)) == .failure(.fs(error)))
        }
    }
}
