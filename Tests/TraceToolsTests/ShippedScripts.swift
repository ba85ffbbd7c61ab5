import TraceTools

// The .bt tools that are shipped bpftrace scripts, under the names their tests knew when they
// were Swift: every test of them now runs the script through the offline interpreter.
typealias BitesizeBt = ScriptTool<BtScriptBitesizeBt>
typealias RunqlatBt = ScriptTool<BtScriptRunqlatBt>
typealias SyscountBt = ScriptTool<BtScriptSyscountBt>
typealias KillsnoopBt = ScriptTool<BtScriptKillsnoopBt>
typealias OpensnoopBt = ScriptTool<BtScriptOpensnoopBt>
typealias StatsnoopBt = ScriptTool<BtScriptStatsnoopBt>
typealias PidpersecBt = ScriptTool<BtScriptPidpersecBt>
typealias SyncsnoopBt = ScriptTool<BtScriptSyncsnoopBt>
typealias CpuwalkBt = ScriptTool<BtScriptCpuwalkBt>
typealias BiolatencyBt = ScriptTool<BtScriptBiolatencyBt>
typealias TcplifeBt = ScriptTool<BtScriptTcplifeBt>
typealias ExecsnoopBt = ScriptTool<BtScriptExecsnoopBt>
typealias SetuidsBt = ScriptTool<BtScriptSetuidsBt>
typealias TcpretransBt = ScriptTool<BtScriptTcpretransBt>
typealias TcpconnectBt = ScriptTool<BtScriptTcpconnectBt>
typealias NaptimeBt = ScriptTool<BtScriptNaptimeBt>
typealias RunqlenBt = ScriptTool<BtScriptRunqlenBt>
typealias BiosnoopBt = ScriptTool<BtScriptBiosnoopBt>
typealias WritebackBt = ScriptTool<BtScriptWritebackBt>
typealias VfsstatBt = ScriptTool<BtScriptVfsstatBt>
typealias LoadsBt = ScriptTool<BtScriptLoadsBt>
typealias TcpdropBt = ScriptTool<BtScriptTcpdropBt>
