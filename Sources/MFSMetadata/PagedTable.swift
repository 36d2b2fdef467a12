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
struct PagedTable<Element: PagedElement>: Sendable {
    static var pageShift: Int { 12 }
    static var pageSize: Int { 1 << pageShift }

    final class Page: @unchecked Sendable {
        // Only mutated through `PagedTable.modify`, which first makes the page unique, so a page
        // shared with a snapshot is never changed in place.
        var slots: ContiguousArray<Element>
        /// Slots that are not `Element.empty`.
        var live: Int
        init(slots: ContiguousArray<Element>, live: Int) {
            self.slots = slots
            self.live = live
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
        guard p < pages.count, let page = pages[p] else { return farPages.isEmpty ? .empty : farElement(index) }
        return page.slots[index & (Self.pageSize - 1)]
    }

    /// The element at `index` past the directory array (kept out of the inlined paths).
    @inline(never)
    private func farElement(_ index: Int) -> Element {
        guard let page = page(index >> Self.pageShift) else { return .empty }
        return page.slots[index & (Self.pageSize - 1)]
    }

    /// Changes the element at `index` in place, copying its page first if a snapshot shares it.
    @inline(__always)
    mutating func modify<R, E: Error>(_ index: Int, _ body: (inout Element) throws(E) -> R) throws(E) -> R {
        let p = index >> Self.pageShift
        let page = uniquePage(p)
        let slot = index & (Self.pageSize - 1)
        let wasEmpty = page.slots[slot].isEmpty
        defer {
            let isEmpty = page.slots[slot].isEmpty
            if wasEmpty != isEmpty { page.live += isEmpty ? -1 : 1 }
            if page.live == 0 { release(p) }
        }
        return try body(&page.slots[slot])
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
        return Page(slots: ContiguousArray(repeating: .empty, count: Self.pageSize), live: 0)
    }

    private mutating func copy(of page: Page) -> Page {
        pageCopies += 1
        return Page(slots: page.slots, live: page.live)
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
        guard p < pages.count else { return farRead(index, body) }
        guard let page = pages[p] else { return nil }
        return page.slots.withUnsafeBufferPointer { body($0[index & (Self.pageSize - 1)]) }
    }

    @inline(never)
    private func farRead<R>(_ index: Int, _ body: (borrowing Element) -> R) -> R? {
        guard let page = page(index >> Self.pageShift) else { return nil }
        return page.slots.withUnsafeBufferPointer { body($0[index & (Self.pageSize - 1)]) }
    }

    mutating func set(_ index: Int, _ value: Element) {
        if value.isEmpty, page(index >> Self.pageShift) == nil { return }
        modify(index) { $0 = value }
    }

    /// Pages held now (for tests and memory figures).
    var pageCount: Int { pages.lazy.filter { $0 != nil }.count + farPages.count }

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
