import RecorderCommands

Bpfrec.main()
