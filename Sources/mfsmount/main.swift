import MFSPending

exitNotBuiltYet("mfsmount")
