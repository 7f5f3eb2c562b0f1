import PayplanCLI
Payplan.main()
