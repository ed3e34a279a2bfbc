import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Work buffers (oneDNN's blocked copies of activations, its scratchpads) kept between calls.
/// Allocating megabytes per block and freeing them again made the kernel map, zero and unmap
/// fresh pages every time: up to a tenth of a ResNet pass went to page faults. Buffers only ever
/// hold data within one call.
enum Scratch {
    nonisolated(unsafe) private static var free: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private static let lock = NSLock()
    /// Cache-line alignment, which oneDNN's kernels expect of their buffers.
    private static let alignment = 64

    /// Runs `body` with a buffer of at least `bytes` bytes (contents undefined).
    static func withBytes<R>(_ bytes: Int, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        if bytes == 0 {
            var none: SIMD16<Float> = .zero
            return withUnsafeMutableBytes(of: &none) { body($0.baseAddress!) }
        }
        var buffer = take(bytes)
        defer { give(buffer) }
        if buffer.bytes < bytes {
            buffer.pointer.deallocate()
            buffer = (allocate(bytes), bytes)
        }
        return body(buffer.pointer)
    }

    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
    }

    /// The smallest free buffer that fits, else the largest free one (to be replaced), else a new one.
    private static func take(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let i = free.indices.filter({ free[$0].bytes >= bytes }).min(by: { free[$0].bytes < free[$1].bytes })
            ?? free.indices.max(by: { free[$0].bytes < free[$1].bytes }) {
            return free.remove(at: i)
        }
        return (allocate(bytes), bytes)
    }

    private static func give(_ buffer: (pointer: UnsafeMutableRawPointer, bytes: Int)) {
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
