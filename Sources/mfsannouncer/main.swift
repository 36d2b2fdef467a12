import MFSPending

exitNotBuiltYet("mfsannouncer")
