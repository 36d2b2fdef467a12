import MFSClient

#if canImport(Glibc)
    import Glibc
#endif

// MasterBenchmarks --master HOST:PORT --clients N --ops-per-phase TOTAL [--driver blocking|library] [--json]
//
// N clients, each with its own connection and session, each doing one request at a time in
// its own top directory /b<pid>_<k>. Phases: mkdir, create, stat, readdir, rename, unlink;
// each timed from when all clients start it to when the last one finishes, with each call's
// latency measured around it. Our own protocol, a socket per client: `scripts/bench-master.sh
// --native` prints its figures apart, never beside MooseFS's (both masters are compared through
// libmfsio with the C driver, Benchmarks/mfsio-driver). Any failed operation ends the run with
// exit 1.

let settings: BenchmarkSettings
do {
    settings = try BenchmarkSettings(Array(CommandLine.arguments.dropFirst()))
} catch {
    printError("\(error.message)\n\(BenchmarkSettings.usage)")
    exit(2)
}

if settings.dumpLatency {
    do {
        print(try DumpLatency(settings: settings).run().render(json: settings.json))
        exit(0)
    } catch {
        printError(error.message)
        exit(1)
    }
}

do {
    let results =
        switch settings.driver {
        case .blocking: try BlockingDriver(settings: settings).run()
        case .library: try await MasterBenchmark(settings).run()
        }
    if settings.json {
        for result in results { print(result.json) }
    } else {
        print(PhaseResult.tableHeader)
        for result in results { print(result.tableRow) }
    }
} catch {
    printError(error.message)
    exit(1)
}
