/// Which of `0..<capacity` are taken, answering "lowest free" without scanning: a bitmap
/// of 64-bit words plus a summary bitmap with one bit per full word. Finding the lowest
/// free slot looks at capacity/4096 summary words (16 for the whole 16-bit port space),
/// then one word: constant for our sizes. Shared by ports and interface numbers.
struct LowestFreeSet: Sendable, Equatable {
    let capacity: Int
    private var words: [UInt64]
    /// Bit i set ⇔ words[i] is full.
    private var fullWords: [UInt64]
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity >= 0)
        self.capacity = capacity
        let wordCount = (capacity + 63) / 64
        words = Array(repeating: 0, count: wordCount)
        // Bits past the capacity start taken, so they are never handed out.
        if capacity % 64 != 0 { words[wordCount - 1] = ~0 << UInt64(capacity % 64) }
        fullWords = Array(repeating: 0, count: (wordCount + 63) / 64)
    }

    func contains(_ slot: Int) -> Bool {
        guard slot >= 0, slot < capacity else { return false }
        return words[slot / 64] & (1 << UInt64(slot % 64)) != 0
    }

    /// The lowest free slot, or nil when all are taken.
    var lowestFree: Int? {
        for (summaryIndex, summary) in fullWords.enumerated() where summary != ~0 {
            let wordIndex = summaryIndex * 64 + (~summary).trailingZeroBitCount
            guard wordIndex < words.count else { return nil }
            return wordIndex * 64 + (~words[wordIndex]).trailingZeroBitCount
        }
        return nil
    }

    /// Marks `slot` taken; false if it is out of range or already taken.
    @discardableResult
    mutating func insert(_ slot: Int) -> Bool {
        guard slot >= 0, slot < capacity, !contains(slot) else { return false }
        let wordIndex = slot / 64
        words[wordIndex] |= 1 << UInt64(slot % 64)
        if words[wordIndex] == ~0 { fullWords[wordIndex / 64] |= 1 << UInt64(wordIndex % 64) }
        count += 1
        return true
    }

    /// Frees `slot`; false if it was not taken.
    @discardableResult
    mutating func remove(_ slot: Int) -> Bool {
        guard contains(slot) else { return false }
        let wordIndex = slot / 64
        words[wordIndex] &= ~(1 << UInt64(slot % 64))
        fullWords[wordIndex / 64] &= ~(1 << UInt64(wordIndex % 64))
        count -= 1
        return true
    }

    /// Takes and returns the lowest free slot.
    mutating func takeLowest() -> Int? {
        guard let slot = lowestFree else { return nil }
        insert(slot)
        return slot
    }
}
