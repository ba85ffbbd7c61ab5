import TraceTools

BpfanCommand.main()
