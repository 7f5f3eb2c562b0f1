import PayplanCLI

Payplan.runWithDocumentedExitCodes()
