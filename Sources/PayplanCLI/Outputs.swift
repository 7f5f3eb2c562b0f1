import ArgumentParser
import PayplanCompare
import PayplanCompiler
import PayplanCore
import PayplanLanguage

/// What a command writes, checked against what it reads before any work:
/// an output that is the plan or a data file, an output folder that holds
/// one, or two outputs on one file stop the command with exit 2 and nothing
/// written (O801–O803).
struct CommandOutputs {
    var targets: [OutputTarget]

    /// `files`: (flag, path) of each file output given; `standardOutput`:
    /// whether results go to stdout (it counts when it is a regular file).
    init(files: [(String, String?)], folder: (String, String)? = nil, standardOutput: Bool) {
        targets = files.compactMap { flag, path in path.map { OutputTarget(flag: flag, path: $0) } }
        if let (flag, path) = folder { targets.append(OutputTarget(flag: flag, path: path, isFolder: true)) }
        if standardOutput { targets.append(.standardOutput) }
    }

    func check(_ inputs: [InputFile]) throws(Stop) {
        var problems = OutputGuard.problems(outputs: targets, inputs: inputs)
        // A directory, a socket or a device of the wrong kind in the way: now, not after the work.
        for target in targets where !target.isFolder {
            guard let path = target.path else { continue }
            do throws(FileError) {
                try AtomicFileWriter.check(path)
            } catch {
                problems.append(OutputCode.cannotWrite.diagnostic("cannot write \(error.path): \(error.reason)"))
            }
        }
        guard problems.isEmpty else {
            Console.error(Session.render(problems))
            throw Stop(code: Exit.usage)
        }
    }

    /// Before the plans are read: the plan files (a `REV:PATH` is no file).
    func check(plans: [String]) throws(Stop) {
        try check(plans.filter { FileReader.exists($0) }.map { InputFile($0, role: "the plan") })
    }

    /// Before the data is read: the plans again and every data file they read.
    func check(plans: [String], _ loaded: [LoadedPlan], data folder: String) throws(Stop) {
        var inputs = plans.filter { FileReader.exists($0) }.map { InputFile($0, role: "the plan") }
        var seen: Set<String> = []
        for plan in loaded {
            for kind in TableKind.allCases {
                let file = plan.compiled.plan.data.table(kind).file
                let path = folder.hasSuffix("/") ? folder + file : folder + "/" + file
                if seen.insert(path).inserted { inputs.append(InputFile(path, role: "the data file")) }
            }
        }
        try check(inputs)
    }
}

/// Which format a file's extension asks for: `.csv` CSV, `.json` JSON; any
/// other name (`.txt`, none) leaves the choice to `--format` or the
/// command's default. A `--format` that contradicts `.csv` or `.json` is a
/// usage error.
enum FileFormats {
    static func implied(by path: String) -> (ext: String, format: String)? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...].lowercased()
        return ext == "csv" || ext == "json" ? (ext, ext) : nil
    }

    static func choose<F: RawRepresentable & Equatable>(_ explicit: F?, file: String?, flag: String = "--out", fallback: F) throws -> F
    where F.RawValue == String {
        guard let file, let (ext, name) = implied(by: file), let implied = F(rawValue: name) else { return explicit ?? fallback }
        if let explicit, explicit != implied {
            throw ValidationError(
                "--format \(explicit.rawValue) contradicts \(flag) \(file): a .\(ext) file gets \(implied.rawValue); drop --format, or give the file the extension of the format you want"
            )
        }
        return implied
    }
}

/// `--fail-if-increase` / `--fail-if-decrease`: the reps whose pay would
/// rise or fall, as one line for stderr; nil when the gate holds.
enum ComplianceGate {
    static func tripped(_ impact: WhatIfReport, increase: Bool, decrease: Bool) -> String? {
        var gate: [String] = []
        // Amounts as the summary prints them (`R08 −¥863.64`).
        if increase { gate += impact.rows.filter { $0.delta.isPositive }.map { "\($0.repID) \(impact.signed($0.delta))" } }
        if decrease { gate += impact.rows.filter { $0.delta.isNegative }.map { "\($0.repID) \(impact.signed($0.delta))" } }
        guard !gate.isEmpty else { return nil }
        let what = [increase ? "rise" : nil, decrease ? "fall" : nil].compactMap { $0 }.joined(separator: " or ")
        return "compliance gate: \(gate.count) rep\(gate.count == 1 ? "" : "s") would \(what): \(gate.joined(separator: ", "))\n"
    }
}
