import Foundation

// Entry point: pick OpenBLAS's AVX-512 kernels where the CPU has them, then run the command.
// Every failure ends as one "Error:" line and a non-zero exit: Foundation's file and JSON
// errors are turned into sentences here, the command line's own errors pass through.
BLASKernelSelection.restartWithAVX512KernelsIfAvailable()
do {
    var command = try Ceiling.parseAsRoot()
    try command.run()
} catch let error as DecodingError {
    Ceiling.exit(withError: CommandError("unreadable JSON: \(DecodingErrors.describe(error))"))
} catch let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain {
    Ceiling.exit(withError: CommandError("file error: \(OutputFiles.reason(error))"))
} catch {
    Ceiling.exit(withError: error)
}
