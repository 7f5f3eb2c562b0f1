import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Rewrites one field of the first row whose first field is `id`.
func setField(_ lines: [String], id: String, column: Int, to value: String) -> [String] {
    lines.map { line in
        var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard cells.first == id else { return line }
        cells[column] = value
        return cells.joined(separator: ",")
    }
}

/// Hostile keys and data files that are not files: each an example of a
/// class the outside audit found (issue #11, items 8 and 12).
let hostileKeyAndFileCases: [HostileCase] = {
    var cases: [HostileCase] = []
    // MARK: Keys with blanks around them: errors by default.
    cases.append(HostileCase("keys-team-trailing-space") { try $0.edit("reps.csv") { setField($0, id: "R02", column: 2, to: "East ") } })
    cases.append(HostileCase("keys-rep-id-leading-tab") { try $0.edit("reps.csv") { setField($0, id: "R03", column: 0, to: "\tR03") } })
    cases.append(
        HostileCase("keys-product-no-break-space") { ws in
            try ws.edit("products.csv") { lines in
                lines.enumerated().map { i, line in
                    guard i == 1, let comma = line.range(of: ",") else { return line }
                    return line.replacingCharacters(in: comma, with: "\u{A0},")
                }
            }
        })
    cases.append(
        HostileCase("keys-deal-id-trailing-space") { ws in
            try ws.edit("transactions.csv") { lines in
                lines.enumerated().map { i, line in i == 5 ? line.replacingOccurrences(of: ",R", with: " ,R") : line }
            }
        })
    cases.append(
        HostileCase("keys-transaction-rep-with-zero-width-space") { ws in
            try ws.edit("transactions.csv") { lines in
                lines.enumerated().map { i, line in i == 7 ? line.replacingOccurrences(of: ",R", with: ",\u{200B}R") : line }
            }
        })
    // Trimmed on request: pays exactly what the clean example pays.
    cases.append(
        HostileCase(
            "keys-trimmed-on-request", .samePay,
            arguments: ["run", "plan.yaml", "--data", "data", "--period", "2026-Q3", "--format", "csv", "--out", "out.csv", "--trim-keys"]
        ) { ws in
            try ws.edit("reps.csv") { setField($0, id: "R02", column: 2, to: " East") }
            try ws.edit("transactions.csv") { lines in
                lines.enumerated().map { i, line in i == 5 ? line.replacingOccurrences(of: ",R", with: " ,R") : line }
            }
        })
    // MARK: Look-alike keys: a warning naming both spellings; two teams.
    cases.append(
        HostileCase("keys-look-alike-teams", .differentPay) { ws in
            try ws.edit("reps.csv") { setField($0, id: "R05", column: 2, to: "East\u{200B}") }
            try ws.edit("reps.csv") { setField($0, id: "R04", column: 2, to: "\u{0415}ast") }
        })
    // MARK: Data files that are not files.
    cases.append(
        HostileCase("data-transactions-is-a-fifo") { ws in
            try FileManager.default.removeItem(atPath: ws.path + "/data/transactions.csv")
            guard mkfifo(ws.path + "/data/transactions.csv", 0o600) == 0 else { throw CorpusError.notFound("mkfifo") }
        })
    cases.append(
        HostileCase("data-reps-links-to-an-endless-device") { ws in
            try FileManager.default.removeItem(atPath: ws.path + "/data/reps.csv")
            try FileManager.default.createSymbolicLink(atPath: ws.path + "/data/reps.csv", withDestinationPath: "/dev/zero")
        })
    cases.append(
        HostileCase("plan-is-a-fifo-without-a-writer") { ws in
            try FileManager.default.removeItem(atPath: ws.path + "/plan.yaml")
            guard mkfifo(ws.path + "/plan.yaml", 0o600) == 0 else { throw CorpusError.notFound("mkfifo") }
        })
    return cases
}()
