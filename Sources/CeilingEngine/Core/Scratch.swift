import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Work buffers (im2col columns, GEMM results) kept between calls. Allocating megabytes per block
/// and freeing them again made the kernel map, zero and unmap fresh pages every time: up to a
/// tenth of a ResNet pass went to page faults. Buffers only ever hold data within one call.
enum Scratch {
    nonisolated(unsafe) private static var free: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private static let lock = NSLock()

    /// Runs `body` with a buffer of at least `count` floats (contents undefined).
    static func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        if count == 0 {
            var none: Float = 0
            return body(&none)
        }
        var buffer = take(count)
        defer { give(buffer) }
        if buffer.capacity < count {
            buffer.pointer.deallocate()
            buffer = (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
        }
        return body(buffer.pointer)
    }

    /// The smallest free buffer that fits, else the largest free one (to be replaced), else a new one.
    private static func take(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let i = free.indices.filter({ free[$0].capacity >= count }).min(by: { free[$0].capacity < free[$1].capacity })
            ?? free.indices.max(by: { free[$0].capacity < free[$1].capacity }) {
            return free.remove(at: i)
        }
        return (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
    }

    private static func give(_ buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}

/// glibc returns freed memory at the top of the heap to the kernel once more than a few tens of
/// megabytes are free, and every pass then faults the pages of its activations back in. Keeping
/// up to 1 GB and serving blocks up to 32 MB (glibc's largest setting) from the heap avoids that.
enum HeapTuning {
    static let applied: Bool = {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which the Glibc module leaves out: look it up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
            _ = mallopt(trimThreshold, 1 << 30)
            _ = mallopt(mmapThreshold, 32 << 20)
        }
        #endif
        return true
    }()
}
