import MFSPending

exitNotBuiltYet("mfschunkserver")
