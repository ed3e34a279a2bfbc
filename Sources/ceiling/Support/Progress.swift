import Foundation

/// Progress on stderr: one redrawn line with a bar and ETA on a terminal, plain lines otherwise
/// (logs, CI, batch jobs), so the report on stdout stays clean. Stages recur once per chunk of
/// points, so a log gets a stage's first occurrence and then at most a line every
/// `logInterval` seconds (a default run would otherwise log some 400 lines).
final class Progress {
    private let start = Date()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastStage = ""
    private var lastDraw = Date.distantPast
    private var logged = Set<String>()
    private var lastLog = Date.distantPast
    private let logInterval: TimeInterval = 15

    init(total: Double) {}

    func update(_ stage: String, fraction: Double) {
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : nil
        if isTerminal {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || stage != lastStage else { return }
            let width = 24, filled = Int(Double(width) * min(max(fraction, 0), 1))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = String(format: "\r[%@] %3.0f%%  %@  elapsed %@%@", bar, fraction * 100, stage, Self.clock(elapsed),
                              eta.map { "  eta " + Self.clock($0) } ?? "")
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        } else if stage != lastStage, !logged.contains(stage) || Date().timeIntervalSince(lastLog) >= logInterval {
            FileHandle.standardError.write(Data(String(format: "[%@] %3.0f%%  %@\n", Self.clock(elapsed), fraction * 100, stage).utf8))
            logged.insert(stage)
            lastLog = Date()
        }
        lastStage = stage
        lastDraw = Date()
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
