/// A key of a few small integers that can hash itself cheaply (`SumTable`).
package protocol PackedKey: Equatable, Sendable {
    /// 64 well-mixed bits of the key.
    var hashBits: UInt64 { get }
}

/// Folds `word` into the hash `h` (SplitMix64's finalizer over their sum; zero words still
/// change the hash, which a bare multiply would not).
@inline(__always)
package func mixHash(_ h: UInt64, _ word: UInt64) -> UInt64 {
    var z = h &+ word &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Sums per key in an open-addressing hash table (linear probing, power-of-two size, at most
/// half full). Bulk ingest adds ~25 rollup changes per report on the reading thread; with
/// Swift's `Dictionary` each one ran SipHash over the whole key (`Hasher`), which was most of
/// the cost of gathering them (BENCHMARKS.md). A key and its value share a slot: a batch's
/// tables are megabytes, so each change is a cache miss, and with keys and values in two
/// arrays it was two.
package struct SumTable<Key: PackedKey, Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        package var key: Key?
        package var value: Value
    }
    private var slots: [Slot]
    private let empty: Value
    /// Keys held.
    package private(set) var count = 0

    /// An empty table; `zero` is the value a key starts from.
    package init(zero: Value, capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(key: nil, value: zero), count: size)
        empty = zero
    }

    /// Changes the value of `key` (starting from the zero value when new) with `change`.
    @inline(__always)
    package mutating func update(_ key: Key, _ change: (inout Value) -> Void) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: key.hashBits) & mask
        while let k = slots[i].key {
            if k == key {
                change(&slots[i].value)
                return
            }
            i = (i + 1) & mask
        }
        slots[i].key = key
        count += 1
        change(&slots[i].value)
    }

    /// The value of `key`, if it is held.
    package func value(_ key: Key) -> Value? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: key.hashBits) & mask
        while let k = slots[i].key {
            if k == key { return slots[i].value }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Every key and its value, in no particular order.
    package func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for slot in slots {
            if let k = slot.key { try body(k, slot.value) }
        }
    }

    private mutating func grow() {
        var bigger = SumTable(zero: empty, capacity: slots.count)
        forEach { k, v in bigger.update(k) { $0 = v } }
        self = bigger
    }
}
