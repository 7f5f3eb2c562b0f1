import ArgumentParser
import PayplanCore
import PayplanEvaluator
import PayplanProgress
import PayplanReports

#if canImport(Glibc)
    import Glibc
#endif

struct ProgressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Progress during a period: revenue and attainment to date, pace, projected pay, and the next step of the plan.",
        discussion: """
            Reads the data up to --as-of (later transactions are ignored) and evaluates the plan three ways: on the data to \
            date, grown at pace (period days ÷ days elapsed), and for each rep with the revenue that reaches its next \
            curve point, threshold, tier or band row. With --lang, sentences a rep understands. When the data folder holds \
            opportunities.csv, the six success factors are shown with the team median. rules/targets.md documents every number.
            """)

    @Argument(help: ArgumentHelp("The plan file.", valueName: "plan"))
    var plan: String

    @OptionGroup var options: DataOptions

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The last day of data to count (YYYY-MM-DD, within the period).", valueName: "date"))
    var asOf: String

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: ProgressFormat = .table

    @Option(name: .long, help: ArgumentHelp("Sentences in this language: zh or en.", valueName: "lang"), transform: { $0.lowercased() })
    var lang: String?

    @Option(name: .long, help: ArgumentHelp("Only this team.", valueName: "team"))
    var team: String?

    @Option(name: .long, help: "What the CSV lists: reps or teams.")
    var view: ProgressView = .reps

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How a next step's gain is evaluated when reps affect each other's pay (rankings, shares): alone (exact, one evaluation per rep) or together (every rep's step at once: fast).",
            valueName: "alone|together"))
    var steps: ProgressRequest.Steps = .alone

    @Option(name: .long, help: ArgumentHelp("The plan's revenue metric.", valueName: "metric"))
    var revenue = "revenue"

    @Option(name: .long, help: ArgumentHelp("The plan's attainment metric.", valueName: "metric"))
    var attainment = "attainment"

    enum ProgressFormat: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    enum ProgressView: String, ExpressibleByArgument, CaseIterable {
        case reps, teams
    }

    func validate() throws {
        if let lang, Language(rawValue: lang) == nil { throw ValidationError("--lang takes zh or en") }
        if CivilDate(iso: asOf) == nil { throw ValidationError("--as-of takes a date YYYY-MM-DD, found '\(asOf)'") }
    }

    func run() throws {
        try exiting { () throws(Stop) in
            let loaded = try Session.plan(plan)
            let day = CivilDate(iso: asOf)!
            var request = ProgressRequest(
                period: Period(options.period)!, asOf: day, revenueMetric: revenue, attainmentMetric: attainment, team: team,
                threads: options.threads ?? Parallel.processorCount)
            request.steps = steps
            try stopOn(request.check(), Exit.usage)
            let (data, _, _, excluded, skipped) = try Session.data(loaded, options, asOf: day)
            request.excluded = excluded
            for s in skipped { Console.error("note: rep \(s.repID) left out (--skip-invalid): \(s.reasons.joined(separator: "; "))\n") }
            var progress: PeriodProgress
            do throws(ProgressFailure) {
                progress = try ProgressEngine.compute(plan: loaded.compiled, data: data, request: request)
            } catch {
                Console.error(Session.render(error.diagnostics, loaded.load.sources))
                switch error {
                case .usage: throw Stop(code: Exit.usage)
                case .data: throw Stop(code: Exit.badData)
                case .evaluation: throw Stop(code: Exit.evaluation)
                }
            }
            let teams = Dictionary(uniqueKeysWithValues: progress.reps.map { ($0.rep, $0.team) })
            let (opportunities, problems) = OpportunityReader.read(directory: options.data, data: data, period: request.period, teams: teams)
            try stopOn(problems, Exit.badData)
            progress.opportunities = opportunities
            let language = Language(rawValue: lang ?? "") ?? .en
            let report = ProgressReport(progress, language: language)
            switch format {
            case .table: try Console.out(lang == nil ? report.table() : report.text())
            case .csv: try Console.out(report.csv(teams: view == .teams))
            case .json: try Console.out(report.json(fingerprint: loaded.fingerprint, sentences: lang != nil).pretty)
            }
        }
    }

    func stopOn(_ diagnostics: [Diagnostic], _ code: Int32) throws(Stop) {
        guard !diagnostics.isEmpty else { return }
        Console.error(Session.render(diagnostics, SourceTexts()))
        if diagnostics.contains(where: { $0.severity == .error }) { throw Stop(code: code) }
    }
}

extension ProgressRequest.Steps: ExpressibleByArgument {}
