/// A table indexed by a dense integer id, stored in fixed-size pages that are each
/// copy-on-write.
///
/// Why: the master dumps metadata from a snapshot while clients keep changing it. Copying a
/// `Namespace` value copies only the array of page references, and a later change copies at most
/// the one page it touches (4,096 slots), instead of the whole table as one big `Array` would on
/// its first change after the copy (a long pause and twice the memory). DESIGN §4.
///
/// Memory follows the live elements, not the highest id ever used: a page whose last element is
/// cleared is released (chunk ids are never reused, so a table that kept its pages would grow
/// with every chunk a cluster ever made). The page at the end of the directory stays, so a
/// table whose newest element comes and goes does not allocate a page each time. Pages past
/// `PagedTableLimits.directPages` are kept in a dictionary: an id far out (a 64-bit chunk id)
/// costs one page, not a directory entry for every page below it.
///
/// A page with few live elements is stored sparse: its live elements and their slot numbers,
/// in slot order (`PagedTableLimits.sparseAtMost`). Chunk ids are never reused, so after
/// years of files made and deleted the chunks still held can lie a few to a page; a dense
/// page would cost 48 KiB for each of them. A page starts sparse, turns dense once it holds
/// more than `sparseAtMost` elements and sparse again below `denseAtLeast`.
struct PagedTable<Element: PagedElement>: Sendable {
    static var pageShift: Int { 12 }
    static var pageSize: Int { 1 << pageShift }

    final class Page: @unchecked Sendable {
        // Only mutated through `PagedTable.modify`, which first makes the page unique, so a page
        // shared with a snapshot is never changed in place.
        /// Dense: `pageSize` slots, by slot number. Sparse: the live elements, in slot order.
        var slots: ContiguousArray<Element>
        /// Sparse: the slot number of each element of `slots`, ascending. Dense: empty.
        var keys: ContiguousArray<UInt16>
        /// Slots that are not `Element.empty`.
        var live: Int
        var isSparse: Bool

        init(slots: ContiguousArray<Element>, keys: ContiguousArray<UInt16>, live: Int, isSparse: Bool) {
            self.slots = slots
            self.keys = keys
            self.live = live
            self.isSparse = isSparse
        }

        /// A sparse page with nothing in it.
        convenience init() { self.init(slots: [], keys: [], live: 0, isSparse: true) }

        /// Where `slot` is in a sparse page's `keys`, or where it would go.
        func position(of slot: Int) -> (at: Int, found: Bool) {
            keys.withUnsafeBufferPointer { keys in
                var low = 0
                var high = keys.count
                while low < high {
                    let middle = (low + high) >> 1
                    if Int(keys[middle]) < slot { low = middle + 1 } else { high = middle }
                }
                return (low, low < keys.count && Int(keys[low]) == slot)
            }
        }

        /// The element at `slot` of a sparse page, if it holds one.
        func sparseElement(_ slot: Int) -> Element? {
            let (at, found) = position(of: slot)
            return found ? slots[at] : nil
        }

        func makeDense() {
            var dense = ContiguousArray(repeating: Element.empty, count: PagedTable.pageSize)
            for (key, element) in zip(keys, slots) { dense[Int(key)] = element }
            slots = dense
            keys = []
            isSparse = false
        }

        func makeSparse() {
            var sparseKeys = ContiguousArray<UInt16>()
            var sparseSlots = ContiguousArray<Element>()
            sparseKeys.reserveCapacity(live)
            sparseSlots.reserveCapacity(live)
            for i in slots.indices where !slots[i].isEmpty {
                sparseKeys.append(UInt16(i))
                sparseSlots.append(slots[i])
            }
            slots = sparseSlots
            keys = sparseKeys
            isSparse = true
        }
    }

    /// Pages below `PagedTableLimits.directPages`, by page number (nil: never used, or released).
    private var pages: [Page?] = []
    /// Pages from `PagedTableLimits.directPages` on, by page number.
    private var farPages: [Int: Page] = [:]
    /// The highest page, empty and kept for the next ids (`release`).
    private var keptEmpty: Int?
    /// Pages copied because a snapshot shared them: the cost a snapshot imposes on later changes.
    private(set) var pageCopies = 0

    init() {}

    private func page(_ p: Int) -> Page? {
        if p < pages.count { return pages[p] }
        return p < PagedTableLimits.directPages || farPages.isEmpty ? nil : farPages[p]
    }

    /// The element at `index`, or `Element.empty` where nothing was ever stored.
    @inline(__always)
    subscript(index: Int) -> Element {
        let p = index >> Self.pageShift
        guard p < pages.count, let page = pages[p], !page.isSparse else { return otherElement(index) }
        return page.slots[index & (Self.pageSize - 1)]
    }

    /// The element at `index` in a sparse page or past the directory array (kept out of the
    /// inlined paths).
    @inline(never)
    private func otherElement(_ index: Int) -> Element {
        guard let page = page(index >> Self.pageShift) else { return .empty }
        let slot = index & (Self.pageSize - 1)
        return page.isSparse ? page.sparseElement(slot) ?? .empty : page.slots[slot]
    }

    /// Changes the element at `index` in place, copying its page first if a snapshot shares it.
    @inline(__always)
    mutating func modify<R, E: Error>(_ index: Int, _ body: (inout Element) throws(E) -> R) throws(E) -> R {
        let p = index >> Self.pageShift
        let page = uniquePage(p)
        let slot = index & (Self.pageSize - 1)
        guard !page.isSparse else { return try modifySparse(page, p, slot, body) }
        let wasEmpty = page.slots[slot].isEmpty
        defer {
            let isEmpty = page.slots[slot].isEmpty
            if wasEmpty != isEmpty { page.live += isEmpty ? -1 : 1 }
            if page.live == 0 {
                release(p)
            } else if isEmpty, page.live < PagedTableLimits.denseAtLeast {
                page.makeSparse()
            }
        }
        return try body(&page.slots[slot])
    }

    /// `modify` on a sparse page: an element that becomes empty leaves it, one that stops being
    /// empty goes in at its place, and a page that outgrows `sparseAtMost` turns dense.
    @inline(never)
    private mutating func modifySparse<R, E: Error>(
        _ page: Page, _ p: Int, _ slot: Int, _ body: (inout Element) throws(E) -> R
    ) throws(E) -> R {
        let (at, found) = page.position(of: slot)
        if found {
            defer {
                if page.slots[at].isEmpty {
                    page.slots.remove(at: at)
                    page.keys.remove(at: at)
                    page.live -= 1
                    if page.live == 0 { release(p) }
                }
            }
            return try body(&page.slots[at])
        }
        var element = Element.empty
        defer {
            if !element.isEmpty {
                page.slots.insert(element, at: at)
                page.keys.insert(UInt16(slot), at: at)
                page.live += 1
                if page.live > PagedTableLimits.sparseAtMost { page.makeDense() }
            } else if page.live == 0 {
                release(p)
            }
        }
        return try body(&element)
    }

    /// Page `p`, made if missing and copied if a snapshot shares it.
    private mutating func uniquePage(_ p: Int) -> Page {
        guard p < PagedTableLimits.directPages else {
            if farPages[p] != nil, isKnownUniquelyReferenced(&farPages[p]!) { return farPages[p]! }
            let page: Page
            if let shared = farPages[p] { page = copy(of: shared) } else { page = newPage(p) }
            farPages[p] = page
            return page
        }
        if p >= pages.count { pages.append(contentsOf: repeatElement(nil, count: p - pages.count + 1)) }
        if pages[p] == nil {
            pages[p] = newPage(p)
        } else if !isKnownUniquelyReferenced(&pages[p]!) {
            pages[p] = copy(of: pages[p]!)
        }
        return pages[p]!
    }

    /// A new page for page number `p`; the empty page kept as the last one goes if it is no
    /// longer needed as such.
    private mutating func newPage(_ p: Int) -> Page {
        if let kept = keptEmpty, kept != p {
            keptEmpty = nil
            if page(kept)?.live == 0 { remove(kept) }
        }
        return Page()
    }

    private mutating func copy(of page: Page) -> Page {
        pageCopies += 1
        return Page(slots: page.slots, keys: page.keys, live: page.live, isSparse: page.isSparse)
    }

    /// Page `p` holds nothing now: it goes, unless it is the highest page, which waits for the
    /// next page made (the newest ids come and go there).
    private mutating func release(_ p: Int) {
        let highest = farPages.isEmpty ? p == pages.count - 1 : p == farPages.keys.max()
        if highest { keptEmpty = p } else { remove(p) }
    }

    private mutating func remove(_ p: Int) {
        if p < PagedTableLimits.directPages { pages[p] = nil } else { farPages[p] = nil }
    }

    /// Reads the element at `index` in place (no copy of the element), for hot read paths.
    @inline(__always)
    func read<R>(_ index: Int, _ body: (borrowing Element) -> R) -> R? {
        let p = index >> Self.pageShift
        guard p < pages.count else { return otherRead(index, body) }
        guard let page = pages[p] else { return nil }
        guard !page.isSparse else { return otherRead(index, body) }
        return page.slots.withUnsafeBufferPointer { body($0[index & (Self.pageSize - 1)]) }
    }

    /// `read` in a sparse page or past the directory array. A sparse page's empty slot reads as
    /// `Element.empty`, as a dense page's does.
    @inline(never)
    private func otherRead<R>(_ index: Int, _ body: (borrowing Element) -> R) -> R? {
        guard let page = page(index >> Self.pageShift) else { return nil }
        let slot = index & (Self.pageSize - 1)
        guard page.isSparse else { return page.slots.withUnsafeBufferPointer { body($0[slot]) } }
        let (at, found) = page.position(of: slot)
        guard found else { return body(Element.empty) }
        return page.slots.withUnsafeBufferPointer { body($0[at]) }
    }

    mutating func set(_ index: Int, _ value: Element) {
        if value.isEmpty, page(index >> Self.pageShift) == nil { return }
        modify(index) { $0 = value }
    }

    /// Pages held now (for tests and memory figures).
    var pageCount: Int { pages.lazy.filter { $0 != nil }.count + farPages.count }

    /// The bytes the pages' elements take (slot numbers of sparse pages included), and the
    /// directory's: for memory figures.
    var bytes: Int {
        var total = pages.count * MemoryLayout<Page?>.stride
        func add(_ page: Page) {
            total += page.slots.capacity * MemoryLayout<Element>.stride + page.keys.capacity * MemoryLayout<UInt16>.stride
        }
        for page in pages { if let page { add(page) } }
        for page in farPages.values { add(page) }
        return total
    }

    /// Pages held dense now (for tests).
    var densePageCount: Int {
        pages.lazy.filter { $0?.isSparse == false }.count + farPages.values.lazy.filter { !$0.isSparse }.count
    }

    /// Calls `body` for every non-empty element in index order.
    /// The elements are lent in place, not copied (a copy of an inode retains its payload: that
    /// was a tenth of decoding a metadata file).
    func forEach(_ body: (Int, Element) throws -> Void) rethrows {
        for p in pages.indices {
            guard let page = pages[p] else { continue }
            try Self.forEach(in: page, base: p << Self.pageShift, body)
        }
        for p in farPages.keys.sorted() {
            try Self.forEach(in: farPages[p]!, base: p << Self.pageShift, body)
        }
    }

    private static func forEach(in page: Page, base: Int, _ body: (Int, Element) throws -> Void) rethrows {
        if page.isSparse {
            try page.keys.withUnsafeBufferPointer { keys in
                try page.slots.withUnsafeBufferPointer { slots in
                    for i in slots.indices { try body(base + Int(keys[i]), slots[i]) }
                }
            }
            return
        }
        try page.slots.withUnsafeBufferPointer { slots in
            for i in slots.indices where !slots[i].isEmpty {
                try body(base + i, slots[i])
            }
        }
    }
}

/// The bounds of a `PagedTable`'s directory.
enum PagedTableLimits {
    /// Pages the directory array holds (8 bytes each: 8 MiB at most, every id below 2^32);
    /// pages past it go in a dictionary.
    static let directPages = 1 << 20
    /// A page holding at most this many elements is kept sparse (each costs its element and a
    /// 2-byte slot number; a dense page of chunk records is 48 KiB). Lookups in a sparse page
    /// are a binary search of at most 9 steps; a change moves at most this many elements.
    static let sparseAtMost = 256
    /// A dense page that falls below this many elements turns sparse. Well under
    /// `sparseAtMost`, so a page near the line does not turn back and forth.
    static let denseAtLeast = 64
}

extension PagedTable where Element == InodeRecord {
    /// Calls `body` with the directory at `index` if it is one, without copying it out.
    @inline(__always)
    func withDirectory(_ index: Int, _ body: (borrowing Directory) -> Void) {
        _ = read(index) { r in
            if case .directory(let directory) = r.payload { body(directory) }
        }
    }
}

/// An element of a `PagedTable`: it has an empty value that marks a free slot.
protocol PagedElement: Sendable {
    static var empty: Self { get }
    var isEmpty: Bool { get }
}

/// A first-in first-out queue stored in copy-on-write pages, for the same reason as
/// `PagedTable`: the freed-inode queue can hold millions of entries.
struct PagedQueue<Element: Sendable>: Sendable {
    private static var pageSize: Int { 4096 }
    private var pages: [ContiguousArray<Element>] = []
    /// Index of the head within `pages[0]`.
    private var headOffset = 0
    private(set) var count = 0

    init() {}

    var first: Element? { count == 0 ? nil : pages[0][headOffset] }

    mutating func append(_ element: Element) {
        if pages.isEmpty || pages[pages.count - 1].count == Self.pageSize {
            var page = ContiguousArray<Element>()
            page.reserveCapacity(Self.pageSize)
            pages.append(page)
        }
        pages[pages.count - 1].append(element)
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        precondition(count > 0, "removeFirst on an empty PagedQueue")
        let element = pages[0][headOffset]
        headOffset += 1
        count -= 1
        if headOffset == pages[0].count {
            pages.removeFirst()
            headOffset = 0
        }
        return element
    }

    func forEach(_ body: (Element) throws -> Void) rethrows {
        for (p, page) in pages.enumerated() {
            for element in page[(p == 0 ? headOffset : 0)...] { try body(element) }
        }
    }
}
