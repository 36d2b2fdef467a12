import Foundation

extension NetnsLab {
    /// Starts one of our chunkservers on host `name`, registering with the master at `master`
    /// (9420); its data under the lab (`NAME-data`, `NAME-chunks`), its log in `NAME.log`.
    public func startChunkserver(_ name: String, master: String) throws {
        let data = path("\(name)-data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try write("\(name)-hdd.cfg", path("\(name)-chunks") + "\n")
        try write(
            "\(name).cfg",
            """
            DATA_PATH = \(data)
            HDD_CONF_FILENAME = \(path("\(name)-hdd.cfg"))
            HDD_LEAVE_SPACE_DEFAULT = 0
            MASTER_HOST = \(master)
            WORKING_USER = root

            """)
        try spawn(name, [MasterProcess.binaryPath("mfschunkserver"), "-c", path("\(name).cfg")], log: path("\(name).log"))
    }

    /// Starts Debian's MooseFS 3.0.117 `mfsmaster` on host `name` (running as root, from an
    /// empty metadata file, replicating at once), exporting `exports`; its data under the lab
    /// (`NAME-data`), its log in `NAME.log`.
    public func startMooseFSMaster(_ name: String, exports: String) throws {
        let data = path("\(name)-data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/var/lib/mfs/metadata.mfs.empty", toPath: data + "/metadata.mfs")
        try write("\(name)-exports.cfg", exports)
        try write(
            "\(name).cfg",
            """
            WORKING_USER = root
            WORKING_GROUP = root
            DATA_PATH = \(data)
            EXPORTS_FILENAME = \(path("\(name)-exports.cfg"))
            MATOCS_LISTEN_HOST = *
            MATOCL_LISTEN_HOST = *
            MATOML_LISTEN_HOST = *
            REPLICATIONS_DELAY_INIT = 0

            """)
        try spawn(name, ["/usr/sbin/mfsmaster", "-f", "-c", path("\(name).cfg")], log: path("\(name).log"))
    }
}
