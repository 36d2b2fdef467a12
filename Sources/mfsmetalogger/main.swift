import MFSPending

exitNotBuiltYet("mfsmetalogger")
