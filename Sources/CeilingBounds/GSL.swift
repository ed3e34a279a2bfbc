@preconcurrency import CGSL

/// One-time preparation of the GNU Scientific Library for this module.
///
/// GSL's default error handler aborts the process on a domain error (for example a quantile
/// asked for at a probability outside [0, 1], or a beta inverse that fails to converge). A
/// library must never abort its caller, so the handler is switched off once, before the first
/// GSL call, and every call site checks its result (NaN) instead. The switch is process-wide;
/// turning the handler off is idempotent, so other modules doing the same do no harm.
enum GSL {
    /// Lazily initialised, thread-safe (Swift runs a global's initialiser exactly once).
    private static let prepared: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// Call before any GSL function that can report an error.
    @inline(__always)
    static func prepare() {
        _ = prepared
    }
}
