import PayplanCLI

Payplan.main()
