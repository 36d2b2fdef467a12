import MFSPending

exitNotBuiltYet("mfs")
