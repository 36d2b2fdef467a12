import Testing
import VRRPCore

/// Every limit of `VRRPConfiguration` at the limit and one past it (STYLE: named limits).
struct VRRPConfigurationTests {
    static let vip = Fixture.vip

    func make(
        vrid: Int = 51, priority: Int = 100, interval: Duration = .seconds(1), addresses: [IPv4Address] = [vip],
        primary: IPv4Address = Fixture.me, preemptDelay: Duration = .zero
    ) throws(VRRPConfigurationError) -> VRRPConfiguration {
        try VRRPConfiguration(
            virtualRouterID: vrid, priority: priority, advertisementInterval: interval, virtualAddresses: addresses,
            primaryAddress: primary, preemptDelay: preemptDelay)
    }

    @Test func virtualRouterIDMustBeOneThrough255() throws {
        #expect(throws: VRRPConfigurationError.virtualRouterIDOutOfRange(0)) { try make(vrid: 0) }
        #expect(try make(vrid: 1).virtualRouterID == 1)
        #expect(try make(vrid: 255).virtualRouterID == 255)
        #expect(throws: VRRPConfigurationError.virtualRouterIDOutOfRange(256)) { try make(vrid: 256) }
        #expect(throws: VRRPConfigurationError.virtualRouterIDOutOfRange(-1)) { try make(vrid: -1) }
    }

    @Test func configuredPriorityMustBeOneThrough255() throws {
        #expect(throws: VRRPConfigurationError.priorityOutOfRange(0)) { try make(priority: 0) }
        #expect(try make(priority: 1).priority == 1)
        let owner = try make(priority: 255)
        #expect(owner.priority == 255 && owner.isAddressOwner)
        #expect(try make(priority: 254).isAddressOwner == false)
        #expect(throws: VRRPConfigurationError.priorityOutOfRange(256)) { try make(priority: 256) }
    }

    @Test func advertisementIntervalIs10MillisecondsTo40Point95SecondsInCentiseconds() throws {
        #expect(throws: VRRPConfigurationError.advertisementIntervalOutOfRange(.zero)) { try make(interval: .zero) }
        #expect(throws: VRRPConfigurationError.advertisementIntervalOutOfRange(.milliseconds(-10))) {
            try make(interval: .milliseconds(-10))
        }
        #expect(try make(interval: .milliseconds(10)).advertisementIntervalCentiseconds == 1)
        #expect(try make(interval: .milliseconds(40_950)).advertisementIntervalCentiseconds == 4095)
        #expect(throws: VRRPConfigurationError.advertisementIntervalOutOfRange(.milliseconds(40_960))) {
            try make(interval: .milliseconds(40_960))
        }
        #expect(throws: VRRPConfigurationError.advertisementIntervalNotWholeCentiseconds(.milliseconds(15))) {
            try make(interval: .milliseconds(15))
        }
        #expect(throws: VRRPConfigurationError.advertisementIntervalNotWholeCentiseconds(.microseconds(1_000_001))) {
            try make(interval: .microseconds(1_000_001))
        }
        #expect(try make(interval: .seconds(1)).advertisementIntervalCentiseconds == 100)
    }

    @Test func virtualAddressesAreOneThrough255Distinct() throws {
        #expect(throws: VRRPConfigurationError.noVirtualAddress) { try make(addresses: []) }
        let many = (0..<256).map { IPv4Address(rawValue: 0xA9FE_0100 + UInt32($0)) }
        #expect(try make(addresses: Array(many.prefix(255))).virtualAddresses.count == 255)
        #expect(throws: VRRPConfigurationError.tooManyVirtualAddresses(256)) { try make(addresses: many) }
        #expect(throws: VRRPConfigurationError.duplicateVirtualAddress(Self.vip)) {
            try make(addresses: [Self.vip, IPv4Address(169, 254, 0, 101), Self.vip])
        }
    }

    @Test func addressesMustBeUsableHostAddresses() {
        let multicast = IPv4Address.vrrpMulticastGroup
        #expect(throws: VRRPConfigurationError.unusableVirtualAddress(multicast)) { try make(addresses: [multicast]) }
        let loopback = IPv4Address(127, 0, 0, 1)
        #expect(throws: VRRPConfigurationError.unusablePrimaryAddress(loopback)) { try make(primary: loopback) }
    }

    @Test func preemptDelayIsZeroThrough1000Seconds() throws {
        #expect(try make(preemptDelay: .seconds(1000)).preemptDelay == .seconds(1000))
        #expect(throws: VRRPConfigurationError.preemptDelayOutOfRange(.milliseconds(1_000_001))) {
            try make(preemptDelay: .milliseconds(1_000_001))
        }
        #expect(throws: VRRPConfigurationError.preemptDelayOutOfRange(.milliseconds(-1))) {
            try make(preemptDelay: .milliseconds(-1))
        }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(VRRPConfigurationError.virtualRouterIDOutOfRange(256).description == "virtual router ID 256 is outside 1...255")
        #expect(
            VRRPConfigurationError.advertisementIntervalNotWholeCentiseconds(.milliseconds(15)).description
                .contains("not a multiple of 10 ms"))
        #expect(VRRPConfigurationError.noVirtualAddress.description == "no virtual address is configured")
    }
}
