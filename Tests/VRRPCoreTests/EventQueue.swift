import VRRPCore

/// A min-heap of actions ordered by time, then by the order they were scheduled, so a run is
/// a pure function of its seed.
struct EventQueue<Action> {
    private struct Entry {
        var time: VRRPInstant
        var sequence: UInt64
        var action: Action

        func precedes(_ other: Entry) -> Bool {
            (time, sequence) < (other.time, other.sequence)
        }
    }

    private var heap: [Entry] = []
    private var scheduled: UInt64 = 0

    var nextTime: VRRPInstant? { heap.first?.time }
    var count: Int { heap.count }

    mutating func schedule(_ action: Action, at time: VRRPInstant) {
        scheduled += 1
        heap.append(Entry(time: time, sequence: scheduled, action: action))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> (time: VRRPInstant, action: Action)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (first.time, first.action)
    }
}
