/// A table indexed by a dense integer id, stored in fixed-size pages that are each
/// copy-on-write.
///
/// Why: the master dumps metadata from a snapshot while clients keep changing it. Copying a
/// `Namespace` value copies only the array of page references, and a later change copies at most
/// the one page it touches (4,096 slots), instead of the whole table as one big `Array` would on
/// its first change after the copy (a long pause and twice the memory). DESIGN §4.
struct PagedTable<Element: PagedElement>: Sendable {
    static var pageShift: Int { 12 }
    static var pageSize: Int { 1 << pageShift }

    final class Page: @unchecked Sendable {
        // Only mutated through `PagedTable.modify`, which first makes the page unique, so a page
        // shared with a snapshot is never changed in place.
        var slots: ContiguousArray<Element>
        init(slots: ContiguousArray<Element>) { self.slots = slots }
    }

    private var pages: [Page?] = []
    /// Pages copied because a snapshot shared them: the cost a snapshot imposes on later changes.
    private(set) var pageCopies = 0

    init() {}

    /// The element at `index`, or `Element.empty` where nothing was ever stored.
    @inline(__always)
    subscript(index: Int) -> Element {
        let p = index >> Self.pageShift
        guard p < pages.count, let page = pages[p] else { return .empty }
        return page.slots[index & (Self.pageSize - 1)]
    }

    /// Changes the element at `index` in place, copying its page first if a snapshot shares it.
    @inline(__always)
    mutating func modify<R, E: Error>(_ index: Int, _ body: (inout Element) throws(E) -> R) throws(E) -> R {
        let p = index >> Self.pageShift
        if p >= pages.count { pages.append(contentsOf: repeatElement(nil, count: p - pages.count + 1)) }
        if pages[p] == nil {
            pages[p] = Page(slots: ContiguousArray(repeating: .empty, count: Self.pageSize))
        } else if !isKnownUniquelyReferenced(&pages[p]!) {
            pages[p] = Page(slots: pages[p]!.slots)
            pageCopies += 1
        }
        return try body(&pages[p]!.slots[index & (Self.pageSize - 1)])
    }

    /// Reads the element at `index` in place (no copy of the element), for hot read paths.
    @inline(__always)
    func read<R>(_ index: Int, _ body: (borrowing Element) -> R) -> R? {
        let p = index >> Self.pageShift
        guard p < pages.count, let page = pages[p] else { return nil }
        return page.slots.withUnsafeBufferPointer { body($0[index & (Self.pageSize - 1)]) }
    }

    mutating func set(_ index: Int, _ value: Element) {
        modify(index) { $0 = value }
    }

    /// One past the highest index a page exists for.
    var capacity: Int { pages.count << Self.pageShift }

    /// Calls `body` for every non-empty element in index order.
    /// The elements are lent in place, not copied (a copy of an inode retains its payload: that
    /// was a tenth of decoding a metadata file).
    func forEach(_ body: (Int, Element) throws -> Void) rethrows {
        for p in pages.indices {
            guard let page = pages[p] else { continue }
            let base = p << Self.pageShift
            try page.slots.withUnsafeBufferPointer { slots in
                for i in slots.indices where !slots[i].isEmpty {
                    try body(base + i, slots[i])
                }
            }
        }
    }
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
