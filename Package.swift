// swift-tools-version: 6.1
import PackageDescription

/// Layers (see docs/ARCHITECTURE.md):
/// - pure cores: `MFSCore`, `MFSChangelog`, `MFSMetadata`, `VRRPCore` — standard library only,
///   no clock, no I/O, no C. They cannot import NIO because they do not depend on it.
/// - I/O shells: `MFSStorage` (files, fsync, locks), `MFSRestore` (changelog merge and replay).
/// - executables named like the binaries.
let pureCoreSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// Executables whose issue has not been done yet: each says so and exits 1.
let pendingExecutables = ["mfsmaster", "mfsmetalogger", "mfschunkserver", "mfsannouncer", "mfsmount", "mfs", "mfscli"]

let package = Package(
    name: "swift-mfs",
    products: [
        .executable(name: "mfsmetarestore", targets: ["mfsmetarestore"])
    ] + pendingExecutables.map { .executable(name: $0, targets: [$0]) },
    targets: [
        .target(name: "MFSCore", swiftSettings: pureCoreSettings),
        .target(name: "MFSChangelog", dependencies: ["MFSCore"], swiftSettings: pureCoreSettings),
        // Dynamic exclusivity checks off for the namespace's hot paths: its pages are class
        // references mutated only after a uniqueness check, never shared across threads, and
        // static exclusivity checking still applies.
        .target(
            name: "MFSMetadata", dependencies: ["MFSCore", "MFSChangelog"],
            swiftSettings: pureCoreSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "VRRPCore", swiftSettings: pureCoreSettings),
        .target(name: "MFSStorage", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata"]),
        .target(name: "MFSRestore", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage"]),
        /// The master's shell: startup, metadata service (changes, changelog, dumps).
        .target(name: "MFSMaster", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage", "MFSRestore"]),
        .target(name: "MFSPending"),
        /// Seeded random workloads shared by tests and benchmarks; part of no product.
        .target(name: "MFSTestSupport", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata"]),
        .executableTarget(name: "mfsmetarestore", dependencies: ["MFSRestore", "MFSStorage"]),
        /// Benchmarks: sources apart from the product, in Benchmarks/ (run by scripts/bench-*.sh).
        .executableTarget(
            name: "MetadataBenchmarks", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata"],
            path: "Benchmarks/MetadataBenchmarks"),
        /// A seeded workload written as a data directory, for the demo and benchmarks; not installed.
        .executableTarget(name: "mfsworkload", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage", "MFSTestSupport"]),
        .testTarget(name: "MFSCoreTests", dependencies: ["MFSCore"]),
        .testTarget(name: "MFSStorageTests", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage"]),
        .testTarget(
            name: "MFSMasterTests",
            dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage", "MFSMaster", "MFSTestSupport"]),
        .testTarget(name: "MFSChangelogTests", dependencies: ["MFSCore", "MFSChangelog"]),
        .testTarget(name: "MFSMetadataTests", dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSTestSupport"]),
        .testTarget(
            name: "MFSRestoreTests",
            dependencies: ["MFSCore", "MFSChangelog", "MFSMetadata", "MFSStorage", "MFSRestore", "MFSTestSupport"]),
        .testTarget(name: "VRRPCoreTests", dependencies: ["VRRPCore"]),
    ] + pendingExecutables.map { .executableTarget(name: $0, dependencies: ["MFSPending"]) }
)
