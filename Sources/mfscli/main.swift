import MFSPending

exitNotBuiltYet("mfscli")
