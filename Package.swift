// swift-tools-version: 6.1
import PackageDescription

/// Layers (see docs/ARCHITECTURE.md):
/// - pure cores: `MFSCore`, `MFSChangelog`, `MFSMetadata`, `VRRPCore`: standard library only,
///   no clock, no I/O, no C. They cannot import NIO because they do not depend on it.
/// - I/O shells: `MFSStorage` (files, fsync, locks, changelog writer), `MFSRestore` (changelog
///   merge and replay), `MFSMaster` (startup, metadata service).
/// - executables named like the binaries.
let pureCoreSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let packageDependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
]

var products: [Product] = [
    .executable(name: "mfsmetarestore", targets: ["mfsmetarestore"]), .executable(name: "mfscli", targets: ["mfscli"]),
    .executable(name: "mfsannouncer", targets: ["mfsannouncer"]), .executable(name: "mfsmaster", targets: ["mfsmaster"]),
    .executable(name: "mfs", targets: ["mfs"]), .executable(name: "mfsmetalogger", targets: ["mfsmetalogger"]),
    .executable(name: "mfschunkserver", targets: ["mfschunkserver"]),
]

let clientCore: [Target.Dependency] = ["MFSCore", "MFSMetadata", "MFSWire", "MFSConfig"]
let storage: [Target.Dependency] = ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage"]

var targets: [Target] = [
    .target(name: "MFSCore", swiftSettings: pureCoreSettings),
    .target(name: "MFSChangelog", dependencies: ["MFSCore"], swiftSettings: pureCoreSettings),
    // Dynamic exclusivity checks off for the namespace's hot paths: its pages are class
    // references mutated only after a uniqueness check, never shared across threads, and
    // static exclusivity checking still applies.
    .target(
        name: "MFSMetadata", dependencies: ["MFSCore", "MFSChangelog"],
        swiftSettings: pureCoreSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
    .target(name: "VRRPCore", swiftSettings: pureCoreSettings),
    /// Following the master, pure: kept changes, peer plans (fork points), sync acknowledgement.
    .target(name: "MFSReplication", dependencies: ["MFSCore"], swiftSettings: pureCoreSettings),
    .target(
        name: "MFSConfig", dependencies: ["MFSCore", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: pureCoreSettings),
    /// The master's chunk registry, pure: where copies live, what chunkservers must do.
    .target(name: "MFSChunkRegistry", dependencies: ["MFSCore"], swiftSettings: pureCoreSettings),
    .target(name: "MFSWire", dependencies: ["MFSCore", "MFSMetadata"], swiftSettings: pureCoreSettings),
    /// MooseFS 3.0.117's chunkserver port (9420) and data port (9422), byte for byte: pure codec.
    .target(
        name: "MooseWire", dependencies: ["MFSCore", "CZlib", "CCRC32", "MFSWire", .product(name: "Crypto", package: "swift-crypto")],
        swiftSettings: pureCoreSettings),
    /// MooseFS 3.0.117's client dialect on 9421 (mfsmount, libmfsio), byte for byte: pure codec.
    .target(
        name: "MooseClientWire", dependencies: ["MooseWire", .product(name: "Crypto", package: "swift-crypto")],
        swiftSettings: pureCoreSettings),
    .systemLibrary(name: "CNetlink", pkgConfig: "libnl-route-3.0", providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
    .target(name: "MFSAnnouncer", dependencies: ["VRRPCore", "CNetlink", "MFSLogging"]),
    .executableTarget(name: "mfsannouncer", dependencies: ["MFSAnnouncer"]),
    .target(name: "MFSStorage", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata"]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    /// CRC-32 folded with PCLMULQDQ (zlib's crc32_z where the CPU lacks it): the data path's CRCs.
    .target(name: "CCRC32", linkerSettings: [.linkedLibrary("z")]),
    /// The chunkserver's chunk files (MooseFS 3.0 layout), data directories and space.
    .target(name: "MFSChunkStore", dependencies: ["MFSCore", "CZlib", "CCRC32"]),
    .target(name: "MFSRestore", dependencies: storage),
    /// The master's shell: startup, metadata service (changes, changelog, dumps).
    .target(
        name: "MFSMaster",
        dependencies: storage + [
            "MFSRestore", "MFSStatus", "MFSConfig", "MFSWire", "MFSPeer", "MFSReplication", "MFSChunkRegistry", "MooseWire",
            "MooseClientWire", "MFSLogging", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
    /// The master's status as JSON, and a small blocking client for it (mfscli, TRACK_MASTER).
    .target(name: "MFSStatus", dependencies: ["MFSConfig"]),
    /// The daemons' log lines: millisecond times, or syslog priorities under journald.
    .target(name: "MFSLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
    /// The peer side of port 9419, shared by the metalogger and a follower master.
    .target(name: "MFSPeer", dependencies: ["MFSCore", "MFSChangelog", "MFSConfig", "MFSStorage", "MFSWire", "MFSNet"]),
    /// Blocking TCP connections with deadlines (a thread per connection), framing left to the caller.
    .target(name: "MFSNet"),
    /// The metalogger's shell: its files (verified by replay), the store the peer link fills.
    .target(
        name: "MFSMetalogger",
        dependencies: storage + [
            "MFSRestore", "MFSConfig", "MFSPeer", "MFSReplication", "MFSWire", "MFSLogging",
            .product(name: "Logging", package: "swift-log"),
        ]),
    .executableTarget(name: "mfsmetalogger", dependencies: ["MFSMetalogger"]),
    /// The chunkserver's shell: master link (9420), data port (9422), replication, on MFSChunkStore.
    .target(
        name: "MFSChunkserver",
        dependencies: [
            "MFSCore", "MFSChunkStore", "MooseWire", "MFSConfig", "MFSStorage", "MFSLogging",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
    .executableTarget(name: "mfschunkserver", dependencies: ["MFSChunkserver"]),
    /// The client library: sessions, every metadata operation, pipelining, reconnect and retry.
    .target(
        name: "MFSClient",
        dependencies: clientCore + [
            "MooseWire", "MFSNet", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ]),
    .executableTarget(name: "mfs", dependencies: ["MFSClient", "MFSConfig", "MFSCore", "MFSMetadata", "MFSStorage"]),
    /// Seeded random workloads, real processes and network-namespace labs shared by tests and
    /// benchmarks; part of no product.
    .target(name: "MFSTestSupport", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage", "MFSStatus"]),
    .executableTarget(name: "mfsmetarestore", dependencies: ["MFSRestore", "MFSStorage"]),
    .executableTarget(name: "mfscli", dependencies: ["MFSStatus"]),
    .executableTarget(name: "mfsmaster", dependencies: ["MFSMaster"]),
    /// Benchmarks: sources apart from the product, in Benchmarks/ (run by scripts/bench-*.sh).
    .executableTarget(
        name: "MetadataBenchmarks", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata"],
        path: "Benchmarks/MetadataBenchmarks"),
    .executableTarget(
        name: "MasterBenchmarks", dependencies: clientCore + ["MFSClient", "MFSStatus", "MFSStorage"], path: "Benchmarks/MasterBenchmarks"),
    /// A client creating a file every few milliseconds, each answer timed: for the failover
    /// tests and benchmark; not installed.
    .executableTarget(name: "mfsprobe", dependencies: ["MFSClient", "MFSCore"]),
    /// Failover figures (scripts/bench-failover.sh): whole clusters in network namespaces.
    .executableTarget(name: "FailoverBenchmarks", dependencies: ["MFSTestSupport"], path: "Benchmarks/FailoverBenchmarks"),
    /// A seeded workload written as a data directory, for the demo and benchmarks; not installed.
    .executableTarget(name: "mfsworkload", dependencies: storage + ["MFSTestSupport"]),
    .testTarget(name: "MFSCoreTests", dependencies: ["MFSCore"]),
    .testTarget(name: "MFSLoggingTests", dependencies: ["MFSLogging", .product(name: "Logging", package: "swift-log")]),
    .testTarget(name: "MFSStorageTests", dependencies: storage + ["MFSRestore"]),
    .testTarget(name: "MFSChunkStoreTests", dependencies: ["MFSChunkStore", "MFSCore", "CZlib"]),
    .testTarget(
        name: "MFSMasterTests",
        dependencies: storage + [
            "MFSMaster", "MFSStatus", "MFSTestSupport", "MFSWire", "MFSConfig", "MFSPeer", "MFSClient", "MooseWire", "MooseClientWire",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    .testTarget(name: "MFSChangelogTests", dependencies: ["MFSCore", "MFSChangelog", "MFSTestSupport"]),
    .testTarget(name: "MFSMetadataTests", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSTestSupport"]),
    .testTarget(name: "MFSRestoreTests", dependencies: storage + ["MFSRestore", "MFSTestSupport"]),
    .testTarget(name: "VRRPCoreTests", dependencies: ["VRRPCore", "MFSTestSupport"]),
    .testTarget(name: "MFSConfigTests", dependencies: ["MFSConfig", "MFSCore", "MFSTestSupport"]),
    .testTarget(name: "MooseWireTests", dependencies: ["MooseWire", "MFSCore", "CCRC32"], exclude: ["Fixtures"]),
    .testTarget(name: "MooseClientWireTests", dependencies: ["MooseClientWire", "MooseWire", "MFSTestSupport"], exclude: ["Fixtures"]),
    /// Debian's mfsmount 3.0.117 against our master and our chunkservers, in network namespaces.
    .testTarget(name: "MFSMountInteropTests", dependencies: ["MFSCore", "MFSTestSupport"]),
    /// Ordinary programs (tar, git, sqlite3, rsync, fio) through mfsmount on our master, each
    /// compared with the same run on a local directory; one lab for all of them.
    .testTarget(name: "MFSMountWorkloadTests", dependencies: ["MFSTestSupport"]),
    .testTarget(name: "MFSWireTests", dependencies: ["MFSCore", "MFSMetadata", "MFSWire", "MFSTestSupport"]),
    .testTarget(name: "MFSPeerTests", dependencies: ["MFSPeer", "MFSWire", "MFSCore", "MFSChangelog", "MFSConfig", "MFSTestSupport"]),
    .testTarget(name: "MFSReplicationTests", dependencies: ["MFSCore", "MFSReplication", "MFSTestSupport"]),
    .testTarget(name: "MFSChunkRegistryTests", dependencies: ["MFSCore", "MFSChunkRegistry", "MFSTestSupport"]),
    .testTarget(name: "MFSClientTests", dependencies: clientCore + ["MFSClient", "MFSTestSupport", "MooseWire"]),
    /// The data path end to end on loopback: a master, our chunkservers and `mfs` as processes.
    .testTarget(
        name: "MFSDataPathTests",
        dependencies: ["MFSTestSupport", "MFSStatus", "MFSClient", "MFSConfig", "MFSCore", "MFSWire", "MooseWire"]),
    .testTarget(name: "MFSAnnouncerTests", dependencies: ["MFSAnnouncer", "VRRPCore", "MFSTestSupport"]),
    /// The whole cluster in network namespaces (DESIGN §9): hosts killed and cut off.
    .testTarget(name: "MFSFailoverTests", dependencies: ["MFSCore", "MFSMetadata", "MFSStatus", "MFSTestSupport"]),
    .testTarget(
        name: "MFSChunkserverTests",
        dependencies: ["MFSChunkserver", "MFSChunkStore", "MooseWire", "MFSCore", "MFSConfig", "MFSTestSupport"]),
    /// Debian's MooseFS master and mfsmount with our chunkservers, in network namespaces.
    .testTarget(name: "MFSChunkserverInteropTests", dependencies: ["MFSCore", "MFSTestSupport"]),
    /// Debian's MooseFS chunkservers under our master with our `mfs`, and chunk files handed
    /// between the two implementations, in network namespaces.
    .testTarget(name: "MFSDataInteropTests", dependencies: ["MFSStatus", "MFSTestSupport"]),
    /// Operations: the systemd units (systemd-analyze verify), scripts/install.sh,
    /// scripts/lib/unit-exec.sh and config/ha-example loaded by the daemons' parsers.
    .testTarget(
        name: "MFSOperationsTests",
        dependencies: [
            "MFSMaster", "MFSMetalogger", "MFSChunkserver", "MFSChunkStore", "MFSAnnouncer", "VRRPCore", "MFSConfig", "MFSTestSupport",
        ]),
    .testTarget(
        name: "MFSMetaloggerTests",
        dependencies: storage + [
            "MFSMetalogger", "MFSRestore", "MFSConfig", "MFSPeer", "MFSTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
]

let package = Package(
    name: "swift-mfs",
    products: products,
    dependencies: packageDependencies,
    targets: targets
)
