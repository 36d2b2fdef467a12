import MFSPending

exitNotBuiltYet("mfsmaster")
