extension Duration {
    /// Whole milliseconds (rounded toward zero), for settings, timeouts and clocks in
    /// milliseconds. (The announcer, which does not use MFSCore, has its own in VRRPCore.)
    public var milliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
