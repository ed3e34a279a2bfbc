import Foundation

/// Debian's OpenBLAS 0.3.21 mistakes recent AVX-512 Xeons for Haswell and runs its AVX2
/// kernels; with `OPENBLAS_CORETYPE=SkylakeX` the same GEMMs run up to twice as fast. OpenBLAS
/// reads the variable when it is loaded, before any Swift code runs, so the process restarts
/// itself once with the variable set. A user's own setting is never overridden, and a CPU without
/// AVX-512 (where the kernels would crash) is left alone.
enum BLASKernelSelection {
    static func restartWithAVX512KernelsIfAvailable() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, hasAVX512() else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returns only on failure: carry on with the default kernels.
    }

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    static func hasAVX512() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(set.contains)
    }
}
