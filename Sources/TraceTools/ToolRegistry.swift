import ArgumentParser

/// Every `bpfan` subcommand. Add a tool here (and its status in ToolCatalog) when its file lands.
public enum ToolRegistry {
    public static let commands: [ParsableCommand.Type] = [
        InfoCommand.self,
        CheckCommand.self,
        ToolsCommand.self,
        Biolatency.self,
        BiolatencyBt.self,
        Syscount.self,
        SyscountBt.self,
        Opensnoop.self,
        OpensnoopBt.self,
        Execsnoop.self,
        ExecsnoopBt.self,
        Exitsnoop.self,
        Killsnoop.self,
        KillsnoopBt.self,
        Sigsnoop.self,
        Statsnoop.self,
        StatsnoopBt.self,
        Bitesize.self,
        BitesizeBt.self,
        Biosnoop.self,
        Biotop.self,
        Biopattern.self,
    ]
}
