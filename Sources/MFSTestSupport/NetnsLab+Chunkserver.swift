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
}
