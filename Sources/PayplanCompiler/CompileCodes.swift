import PayplanCore

/// The compiler's own codes (the plan was checked: only internal errors remain).
public enum CompileCode: String, DiagnosticCode {
    case internalError = "E790"

    public var title: String { "an internal error: a checked rule could not be compiled" }
    public var severity: Severity { .error }
}
