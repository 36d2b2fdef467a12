import Foundation
import MFSChangelog
import MFSCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends changelog lines to `PREFIX.0.mfs` in a data directory from a thread of its own, so
/// callers never block on the disk: they `append` and then, before replying, `waitStored` for
/// their version. Rotation (`PREFIX.0.mfs` → `PREFIX.1.mfs` …, keeping `backLogs`) happens at
/// each metadata dump.
public final class ChangelogWriter: @unchecked Sendable {
    /// Mode 0 only: how long the writer lets changes gather after the first one wakes it, so
    /// it writes a batch instead of waking for every change (the reply never waits for it).
    public static let backgroundGatherSeconds = 0.002
    /// Mode 0 only: a batch this large is written at once, without waiting for the rest of
    /// the gathering time.
    public static let backgroundBatchBytes = 256 * 1024
    /// Modes 1 and 2: `releaseWakeUps(storeHere: true)` stores a batch on its caller's thread
    /// (an event loop) only while the last fsync took less than this; a slower disk is left to
    /// the writer thread, so that an event loop is not held up by it.
    public static let storeHereFsyncLimitSeconds = 0.002
    /// With `preallocate`: the zeros written ahead of the last line at a time, in bytes
    /// (about 14,000 typical lines). Their write and the size change ride on the fsync of the
    /// batch that needed them, once a step; every other fsync overwrites blocks that exist
    /// and commits no metadata (`PreallocatedTail`).
    public static let preallocationStepBytes: off_t = 1 << 20
    /// With `preallocate`: zeros are written ahead only while the file system has at least
    /// this much free; below it lines are appended. Writing a step into the last free space
    /// would fill the disk for a moment, and a dump or another program writing there then
    /// would fail for nothing.
    public static let preallocationMinimumFreeBytes: UInt64 = 64 << 20

    /// Set once, with `failure`, and read without the lock on every change.
    private let failed = Atomic<Bool>(false)
    // Everything below `condition` is guarded by it.
    private let condition = NSCondition()
    /// The writer thread waits on `condition` with nothing to do (or gathers, in mode 0):
    /// only then does `append` signal, so a busy writer costs appenders no wake-up.
    private var sleeping = false
    /// Holds running (`holdingWakeUps`, `holdWakeUps`): appends then leave the writer asleep.
    private var wakeUpHolds = 0
    /// `holdWakeUps` calls (turns) since the holds were last all released.
    private var turnsHeld = 0
    /// A batch is taken and not yet stored, by the writer thread or by `releaseWakeUps` on its
    /// caller's thread: nobody else takes one until it is (lines stay in version order).
    private var batchOut = false
    /// `sync` and `rotate` calls waiting on `condition`.
    private var blockedCallers = 0
    /// Tests only: a pause (µs) between the writer thread's taking a batch and writing it,
    /// which widens the window in which a caller's later batch could overtake it. Set before
    /// the first append.
    var pauseWriterThreadForTests: UInt32 = 0
    /// The writer thread, for `pauseWriterThreadForTests`. Set before its first batch.
    private var writerThread: pthread_t?
    /// `writerThread`, readable without the lock (0 until the thread runs).
    private let writerThreadID = Atomic<UInt>(0)
    /// Where the file ends: a failed write is cut back to it. Touched only by whoever has the
    /// batch out, or under `condition` with none out (open, rotation).
    private var fileEnd: off_t = 0
    /// Where the zeros written ahead end (`preallocate`; else `fileEnd`). Guarded as `fileEnd`.
    private var zeroedEnd: off_t = 0
    private var pending: [UInt8] = []
    private var pendingVersion: MetaVersion
    private var written: MetaVersion
    private var durable: MetaVersion
    private var fsyncs = 0
    private var lastFsync: Double?
    private var failure: String?
    private var closing = false
    private var rotating = false
    /// `sync` waits: the writer fsyncs with its next batch, even an empty one.
    private var syncWanted = false
    private var waiters: [(version: MetaVersion, done: @Sendable (ChangelogWriteError?) -> Void)] = []
    private var fd: Int32

    public let mode: ChangelogSaveMode
    public let directory: DataDirectory
    public let prefix: String
    public let backLogs: Int
    public let metaID: MetaID
    /// Keep zeros written ahead of the last line, so that an fsync need not commit a new file
    /// size (`preallocationStepBytes`, `PreallocatedTail`); cut off at rotation and close.
    /// Only in mode 2, the one that fsyncs each batch (asked for in another, it is off).
    public let preallocate: Bool
    /// Told once, from the writer thread, when a write or fsync fails (the daemon logs it).
    private let onFailure: @Sendable (String) -> Void
    private var worker: Thread?

    public var currentPath: String { directory.file("\(prefix).0.mfs") }

    /// Opens (or creates, with its header) `PREFIX.0.mfs`. An existing file must belong to
    /// `metaID`; `lastVersion` is the version already in it (the caller knows it from the
    /// restore that preceded): a file holding a later one is refused.
    public init(
        directory: DataDirectory, prefix: String = "changelog", metaID: MetaID, mode: ChangelogSaveMode, backLogs: Int = 50,
        lastVersion: MetaVersion, preallocate: Bool = false, onFailure: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(ChangelogWriteError) {
        self.preallocate = preallocate && mode == .fsyncBeforeReply
        self.onFailure = onFailure
        self.directory = directory
        self.prefix = prefix
        self.metaID = metaID
        self.mode = mode
        self.backLogs = backLogs
        pendingVersion = lastVersion
        written = lastVersion
        durable = lastVersion
        fd = -1
        fd = try Self.open(directory.file("\(prefix).0.mfs"), metaID: metaID, lastVersion: lastVersion, preallocate: self.preallocate)
        fileEnd = lseek(fd, 0, SEEK_END)
        zeroedEnd = fileEnd
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "changelog-writer"
        worker = thread
        thread.start()
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Opens for writing after its last line, writing the header into a new or empty file and
    /// checking an existing one (`checkExisting`, which also cuts off zeros a crash left after
    /// the last line). Every write is a `pwrite` at `fileEnd`; without `preallocate` the file
    /// is opened `O_APPEND` (where Linux's `pwrite` appends), so a line lands at the end even
    /// after the file was cut from outside.
    static func open(_ path: String, metaID: MetaID, lastVersion: MetaVersion, preallocate: Bool) throws(ChangelogWriteError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (preallocate ? 0 : O_APPEND), 0o644)
        guard fd >= 0 else { throw .failed(StorageError("open", path).description) }
        var info = stat()
        fstat(fd, &info)
        if info.st_size == 0 {
            do throws(StorageError) {
                try FileIO.writeAll(fd, ChangelogHeader(metaID: metaID).format(), path)
                guard fsync(fd) == 0 else { throw StorageError("fsync", path) }
                // A new file's name is durable only with its directory: without this, the lines
                // acknowledged into it could vanish with it at a crash (POSIX does not promise
                // that the file's fsync commits its entry).
                try FileIO.syncDirectory(of: path)
            } catch {
                Glibc.close(fd)
                throw .failed(error.description)
            }
            return fd
        }
        do throws(ChangelogWriteError) {
            try checkExisting(path, fd: fd, metaID: metaID, lastVersion: lastVersion)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Checks a changelog before appending to it: its header (format, cluster), a torn last
    /// line cut off durably, and no change past `lastVersion` (the writer continues after its
    /// last line, never over it: a version must never repeat).
    private static func checkExisting(_ path: String, fd: Int32, metaID: MetaID, lastVersion: MetaVersion) throws(ChangelogWriteError) {
        let file: [UInt8]
        do throws(StorageError) { file = try FileIO.read(path) } catch { throw .failed(error.description) }
        // Zeros written ahead by a writer that crashed (`preallocate`) go first, durably.
        let bytes = PreallocatedTail.content(of: file)
        if bytes.count < file.count {
            guard ftruncate(fd, off_t(bytes.count)) == 0, fsync(fd) == 0 else {
                throw .failed(StorageError("cut the zeros after the last line of", path).description)
            }
        }
        let headerEnd = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let header: ChangelogHeader
        do throws(ChangelogHeaderError) { header = try ChangelogHeader.parse(bytes[..<headerEnd]) } catch {
            throw .notAChangelog(file: path, reason: error.description)
        }
        guard header.metaID == metaID else { throw .otherCluster(file: path, expected: metaID, found: header.metaID) }
        var end = bytes.count
        // A line cut by a crash or a full disk was never acknowledged: cut it off for good, so
        // the next line does not land after half a line.
        if bytes.last != 0x0A, let lastNewline = bytes.lastIndex(of: 0x0A) {
            guard ftruncate(fd, off_t(lastNewline + 1)) == 0, fsync(fd) == 0 else {
                throw .failed(StorageError("truncate torn line of", path).description)
            }
            end = lastNewline + 1
        }
        guard end > headerEnd + 1 else { return }
        let lineStart = bytes[..<(end - 1)].lastIndex(of: 0x0A)! + 1
        guard let found = ChangelogCodec.peekVersion(bytes[lineStart..<(end - 1)]) else {
            let number = bytes[..<lineStart].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw .notAChangelog(file: path, reason: "its last line (line \(number)) does not start with a version")
        }
        guard found <= lastVersion else { throw .holdsLaterChanges(file: path, found: found, continuingAfter: lastVersion) }
    }

    /// Queues a record. Versions must follow each other. Throws once a write has failed.
    public func append(_ record: ChangelogRecord) throws(ChangelogWriteError) {
        try append(record.version) { ChangelogCodec.append(record, to: &$0) }
    }

    private func append(_ version: MetaVersion, _ write: (inout [UInt8]) -> Void) throws(ChangelogWriteError) {
        try withQueue(refused: { $0 }) { (queue: Queue) throws(ChangelogWriteError) in queue.append(version, write) }
    }

    /// The queue while `withQueue` holds it open: an append cannot fail. Valid only inside the
    /// body it was given to.
    public struct Queue {
        fileprivate let writer: ChangelogWriter

        /// Queues the line of `version` already formatted (`ChangelogCodec.format`, with its
        /// `\n`). Versions must follow each other.
        public func append(line: [UInt8], version: MetaVersion) { append(version) { $0 += line } }

        fileprivate func append(_ version: MetaVersion, _ write: (inout [UInt8]) -> Void) {
            writer.appendHeld(version, write)
        }
    }

    /// Runs `body` with the queue held open: until `body` returns, the writer can neither fail
    /// nor close, so a change that `body` makes and appends is queued, and one the queue would
    /// refuse is never made. Without running `body`, throws `refused` of the reason once a write
    /// has failed or the writer is closing. The writer thread waits while `body` runs (to take
    /// its next batch or to record a failure), so `body` must be quick and must not call the
    /// writer.
    public func withQueue<R, E: Error>(refused: (ChangelogWriteError) -> E, _ body: (Queue) throws(E) -> R) throws(E) -> R {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw refused(.failed(failure)) }
        guard !closing else { throw refused(.closed) }
        return try body(Queue(writer: self))
    }

    /// An append under `condition` (held by `withQueue`).
    private func appendHeld(_ version: MetaVersion, _ write: (inout [UInt8]) -> Void) {
        precondition(version == pendingVersion.next, "changelog version \(version) after \(pendingVersion)")
        let wasEmpty = pending.isEmpty
        write(&pending)
        pendingVersion = version
        guard wakeUpHolds == 0 else { return }
        if sleeping, mode != .background || wasEmpty || pending.count >= Self.backgroundBatchBytes { condition.signal() }
    }

    /// Runs `body`, which appends several changes that one reply waits for (a MooseFS create:
    /// the node, then its open), without waking a sleeping writer until `body` returns, so
    /// they go out in one batch with one fsync instead of the first alone. `body` must be quick
    /// and must not wait for the writer; a writer already awake is not held back.
    public func holdingWakeUps<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        hold(turn: false)
        defer { releaseWakeUps(storeHere: false) }
        return try body()
    }

    /// Leaves a sleeping writer asleep on appends until the matching `releaseWakeUps`: one
    /// connection's turn on an event loop, whose changes go out in one batch. A writer already
    /// awake is not held back.
    public func holdWakeUps() { hold(turn: true) }

    private func hold(turn: Bool) {
        condition.lock()
        wakeUpHolds += 1
        if turn { turnsHeld += 1 }
        condition.unlock()
    }

    /// Ends a `holdWakeUps`. The last hold out, with changes queued and no batch out, stores
    /// them, on the calling thread as MooseFS's single loop does, which spares the hand-off to
    /// the writer thread and back (two thread wake-ups, 20–40 µs a change here), when all of
    /// this holds: `storeHere`, mode 1 or 2, the last fsync was quick
    /// (`storeHereFsyncLimitSeconds`), and the batch is one turn's alone. Otherwise it wakes
    /// the writer thread: with several turns at once (concurrent clients) their event loops
    /// then go on reading while it fsyncs, where storing here would hold a loop for the fsync
    /// (16 parallel creators went from 228 % to 198 % of MooseFS's rate that way).
    public func releaseWakeUps(storeHere: Bool) {
        condition.lock()
        wakeUpHolds -= 1
        guard wakeUpHolds == 0 else { return condition.unlock() }
        let alone = turnsHeld <= 1
        turnsHeld = 0
        guard !pending.isEmpty else { return condition.unlock() }
        guard storeHere, alone, mode != .background, !batchOut, failure == nil, !closing, !rotating,
            (lastFsync ?? 0) < Self.storeHereFsyncLimitSeconds
        else {
            if sleeping { condition.signal() }
            return condition.unlock()
        }
        let batch = takeBatch()
        condition.unlock()
        store(batch)
    }

    /// What `takeBatch` hands out.
    private struct Batch {
        var bytes: [UInt8]
        var version: MetaVersion
        var mustSync: Bool
        var file: Int32
    }

    /// Takes everything queued (under `condition`, with no batch out).
    private func takeBatch() -> Batch {
        let batch = Batch(
            bytes: pending, version: pendingVersion, mustSync: mode == .fsyncBeforeReply || closing || rotating || syncWanted, file: fd)
        pending.removeAll(keepingCapacity: true)
        batchOut = true
        return batch
    }

    /// Writes and (if it must) fsyncs a batch outside the lock, then records the outcome and
    /// answers the waiters it covers (outside the lock: a callback may append the next change).
    /// Returns false once the changelog has failed.
    @discardableResult
    private func store(_ batch: Batch) -> Bool {
        var error: String?
        if pauseWriterThreadForTests > 0, let writerThread, pthread_equal(pthread_self(), writerThread) != 0 {
            usleep(pauseWriterThreadForTests)
        }
        do throws(StorageError) {
            if !batch.bytes.isEmpty {
                if preallocate { zeroAhead(batch.file, for: batch.bytes.count) }
                try FileIO.writeAll(batch.file, batch.bytes, at: fileEnd, currentPath)
                fileEnd += off_t(batch.bytes.count)
            }
        } catch let writeError {
            error = writeError.description
            // Best effort: leave no half line behind (the reopen check would cut it too).
            _ = ftruncate(batch.file, fileEnd)
            zeroedEnd = fileEnd
        }
        let started = monotonic()
        if error == nil, batch.mustSync, fsync(batch.file) != 0 { error = StorageError("fsync", currentPath).description }
        condition.lock()
        batchOut = false
        var answered: [@Sendable (ChangelogWriteError?) -> Void] = []
        let outcome: ChangelogWriteError?
        if let error {
            fail(error)
            answered = waiters.map(\.done)
            waiters.removeAll()
            outcome = .failed(error)
        } else {
            written = batch.version
            if batch.mustSync {
                durable = batch.version
                fsyncs += 1
                lastFsync = monotonic() - started
            }
            let done = stored
            waiters.removeAll { waiter in
                guard waiter.version <= done else { return false }
                answered.append(waiter.done)
                return true
            }
            outcome = nil
        }
        // Wakes `sync` and `rotate` callers, and a sleeping writer thread only when this was a
        // caller's batch and work is left for the thread (waking it for nothing costs the
        // caller two context switches).
        let workLeft = (!pending.isEmpty && wakeUpHolds == 0) || closing || rotating || syncWanted
        if error != nil || blockedCallers > 0 || workLeft { condition.broadcast() }
        condition.unlock()
        for callback in answered { callback(outcome) }
        return error == nil
    }

    /// Makes sure `count` bytes from `fileEnd` overwrite zeros written ahead, writing the next
    /// `preallocationStepBytes` of them when not; the batch's fsync makes them durable. On a
    /// disk short of space (`preallocationMinimumFreeBytes`) none are written, and when they
    /// cannot be written they are cut off again: the batch is then appended as without
    /// preallocation, and a change is refused only when its own bytes do not fit.
    private func zeroAhead(_ file: Int32, for count: Int) {
        guard fileEnd + off_t(count) > zeroedEnd else { return }
        var space = statvfs()
        guard fstatvfs(file, &space) == 0, UInt64(space.f_bavail) * UInt64(space.f_frsize) >= Self.preallocationMinimumFreeBytes
        else { return }
        let start = max(zeroedEnd, fileEnd)
        let end = fileEnd + off_t(count) + Self.preallocationStepBytes
        let zeros = [UInt8](repeating: 0, count: Int(end - start))
        do throws(StorageError) {
            try FileIO.writeAll(file, zeros, at: start, currentPath)
            zeroedEnd = end
        } catch {
            _ = ftruncate(file, fileEnd)
            zeroedEnd = fileEnd
        }
    }

    /// Cuts off the zeros written ahead and fsyncs, before the file is closed or renamed, so
    /// that only a crash leaves any. Under `condition` with no batch out.
    private func cutZeroTail() throws(ChangelogWriteError) {
        guard fd >= 0, zeroedEnd > fileEnd else { return }
        guard ftruncate(fd, fileEnd) == 0, fsync(fd) == 0 else {
            throw .failed(StorageError("cut the zeros after the last line of", currentPath).description)
        }
        zeroedEnd = fileEnd
    }

    /// The file was cut from outside (`ChangelogTail.moveAside`, a follower setting aside
    /// superseded changes): the next line goes at its new end. Call only with nothing queued
    /// since a `sync`.
    public func fileWasCut() {
        condition.lock()
        defer { condition.unlock() }
        while batchOut { condition.wait() }
        guard fd >= 0 else { return }
        fileEnd = lseek(fd, 0, SEEK_END)
        zeroedEnd = fileEnd
    }

    /// Whether a write or fsync has failed (then no change is accepted any more). Lock-free.
    public var hasFailed: Bool { failed.load(ordering: .acquiring) }

    /// Returns when `version` is stored as the save mode requires (mode 0: at once; mode 1:
    /// written; mode 2: fsynced), or throws if it never will be.
    public func waitStored(_ version: MetaVersion) async throws(ChangelogWriteError) {
        let outcome: ChangelogWriteError? = await withCheckedContinuation { continuation in
            whenStored(version) { continuation.resume(returning: $0) }
        }
        if let outcome { throw outcome }
    }

    /// Calls `done` once `version` is stored as the save mode requires, with nil, or with the
    /// error that means it never will be. `done` runs on the caller's thread when the answer is
    /// already known, else on the writer thread: it must be quick (hand off to an event loop).
    public func whenStored(_ version: MetaVersion, _ done: @escaping @Sendable (ChangelogWriteError?) -> Void) {
        condition.lock()
        if let failure {
            condition.unlock()
            done(.failed(failure))
        } else if mode == .background || stored >= version {
            condition.unlock()
            done(nil)
        } else {
            waiters.append((version, done))
            condition.unlock()
        }
    }

    /// Whether the caller runs on the writer thread: a `whenStored` callback does when the
    /// writer stored its change. Such a callback must not wait for a lock whose holder may wait
    /// for the writer (a dump holds the metadata service's while its rotation waits for the
    /// queued changes to be stored): it hands the work to another thread.
    public var isOnWriterThread: Bool {
        let id = writerThreadID.load(ordering: .acquiring)
        return id != 0 && pthread_equal(pthread_self(), pthread_t(id)) != 0
    }

    /// The version the save mode counts as stored. Guarded by `condition`.
    private var stored: MetaVersion { mode == .fsyncBeforeReply ? durable : written }

    public var status: ChangelogWriterStatus {
        condition.lock()
        defer { condition.unlock() }
        return ChangelogWriterStatus(
            mode: mode, appendedVersion: pendingVersion, writtenVersion: written, durableVersion: durable, fsyncs: fsyncs,
            lastFsyncSeconds: lastFsync, error: failure)
    }

    /// Returns once everything appended before the call is written and fsynced (in modes 0 and
    /// 1 too). A dump calls it before taking the namespace lock for the rotation, so that the
    /// rotation's own fsync, which requests wait for, has little left to do.
    public func sync() throws(ChangelogWriteError) {
        condition.lock()
        defer { condition.unlock() }
        let target = pendingVersion
        syncWanted = true
        condition.broadcast()
        blockedCallers += 1
        while failure == nil, durable < target { condition.wait() }
        blockedCallers -= 1
        syncWanted = false
        if let failure { throw .failed(failure) }
    }

    /// Writes and fsyncs everything queued, then renames `PREFIX.N.mfs` to `PREFIX.N+1.mfs`
    /// (dropping those past `backLogs`) and starts a new `PREFIX.0.mfs`. Called at each dump.
    ///
    /// `keepAll`: drop nothing, because the files past `backLogs` hold changes no metadata
    /// file does (the dumps since they were rotated failed); the chain then grows past
    /// `backLogs` until a rotation without it, which drops every file past `backLogs`.
    ///
    /// `restartAfter`: the new file continues after that version instead of the last one
    /// appended (a peer that downloaded the metadata at that version).
    public func rotate(keepAll: Bool = false, restartAfter: MetaVersion? = nil) throws(ChangelogWriteError) {
        condition.lock()
        rotating = true
        condition.broadcast()
        blockedCallers += 1
        while rotating, failure == nil, !(pending.isEmpty && written == pendingVersion && durable == pendingVersion) {
            condition.wait()
        }
        blockedCallers -= 1
        defer {
            rotating = false
            condition.broadcast()
            condition.unlock()
        }
        if let failure { throw .failed(failure) }
        do throws(ChangelogWriteError) { try cutZeroTail() } catch {
            fail(error.description)
            throw error
        }
        Glibc.close(fd)
        fd = -1
        let name = { (n: Int) in self.directory.file("\(self.prefix).\(n).mfs") }
        // The files of a chain grown by earlier `keepAll` rotations.
        var highest = backLogs
        while FileIO.exists(name(highest + 1)) { highest += 1 }
        var last = highest
        if !keepAll {
            for n in stride(from: highest, through: backLogs, by: -1) { unlink(name(n)) }
            last = backLogs - 1
        }
        for n in stride(from: last, through: 0, by: -1) where FileIO.exists(name(n)) {
            guard Glibc.rename(name(n), name(n + 1)) == 0 else {
                let reason = StorageError("rename", name(n)).description
                fail(reason)
                throw .failed(reason)
            }
        }
        if let restartAfter {
            pendingVersion = restartAfter
            written = restartAfter
            durable = restartAfter
        }
        do {
            fd = try Self.open(name(0), metaID: metaID, lastVersion: pendingVersion, preallocate: preallocate)
            // The file is new (the old one was renamed or removed above): `open` fsyncs the
            // directory, which makes the renames durable too.
            fileEnd = lseek(fd, 0, SEEK_END)
            zeroedEnd = fileEnd
        } catch let error as ChangelogWriteError {
            fail(error.description)
            throw error
        } catch {
            fail("\(error)")
            throw .failed("\(error)")
        }
    }

    /// Stores what is queued and stops the thread.
    public func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        condition.unlock()
        while worker?.isFinished == false { usleep(1_000) }
    }

    /// Whether the writer thread waits with nothing queued (for tests that must start from a
    /// sleeping writer).
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return sleeping && pending.isEmpty && !batchOut
    }

    /// The writer thread: takes everything queued, writes it, fsyncs in mode 2 (and before a
    /// rotation or close), wakes the waiters it covers. Changes that arrive during an fsync wait
    /// for the next one: that is the group commit.
    private func run() {
        condition.lock()
        writerThread = pthread_self()
        writerThreadID.store(UInt(pthread_self()), ordering: .releasing)
        while true {
            while batchOut || (pending.isEmpty && !closing && !((rotating || syncWanted) && durable < pendingVersion) && failure == nil) {
                sleeping = true
                condition.wait()
                sleeping = false
            }
            if failure != nil { break }
            if mode == .background, !closing, !rotating, !syncWanted, pending.count < Self.backgroundBatchBytes {
                sleeping = true
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.backgroundGatherSeconds))
                sleeping = false
                // Only this thread takes batches in mode 0; closing or a failure may have come.
                if failure != nil { break }
            }
            let batch = takeBatch()
            condition.unlock()
            let stored = store(batch)
            condition.lock()
            if !stored || (closing && pending.isEmpty) { break }
        }
        // A writer that stops leaves no zeros behind (a failed one leaves the file as it is).
        if closing, failure == nil { try? cutZeroTail() }
        condition.unlock()
    }

    /// Records the failure that stops every later change. Called under `condition`.
    private func fail(_ reason: String) {
        guard failure == nil else { return }
        failure = reason
        failed.store(true, ordering: .releasing)
        onFailure(reason)
    }

    private func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
