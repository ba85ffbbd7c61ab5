/// How bpftrace 0.17 treats print(), clear(), zero() and delete() of each kind of map, as the
/// live bpftrace printed it on this machine (2026-12-07; each output below is its stdout after
/// the "Attaching" line). Two behaviours a reader would not guess:
/// - print(@m), clear() and zero() take effect after the probe that calls them has run to its
///   end (bpftrace runs them in user space when it reads their event from the ring), so
///   `@a = 5; print(@a); @a = 7` prints 7, and `clear(@a); @a = 7` leaves nothing;
/// - key-less count(), avg() and stats() maps are per-CPU arrays whose element cannot be
///   deleted: a count() is zeroed, not removed, by clear() and delete(); delete() of an avg()
///   or stats() keeps its total with a count of 0.
/// BtTests checks `bpfan bt` against these outputs; RecorderTests (root) runs each program
/// through the live bpftrace again and compares.
public enum BtMapSemanticsCases {
    public static let cases: [(program: String, output: String)] = [
        ("BEGIN { @a = 5; exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = 5; @b = 3; clear(@a); delete(@b); exit(); }", "\n\n\n\n"),
        ("BEGIN { @a = count(); exit(); } END { clear(@a); }", "\n\n@a: 0\n"),
        ("BEGIN { @a = sum(5); exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = \"x\"; exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = hist(5); exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = avg(5); exit(); } END { clear(@a); }", "\n\n\n\n"),
        ("BEGIN { @a = 5; clear(@a); @a = 7; exit(); }", "\n\n\n"),
        ("interval:ms:100 { @a = 5; clear(@a); exit(); }", "\n\n\n"),
        ("BEGIN { @a = min(5); exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = stats(5); exit(); } END { clear(@a); }", "\n\n\n\n"),
        ("BEGIN { @a = lhist(5,0,10,1); exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a[1] = avg(5); exit(); } END { clear(@a); }", "\n\n\n\n"),
        ("BEGIN { @a[1] = count(); exit(); } END { clear(@a); }", "\n\n\n"),
        ("BEGIN { @a = avg(5); exit(); } END { zero(@a); }", "\n\n@a: 0\n\n"),
        ("BEGIN { @a = 5; print(@a); @a = 7; exit(); }", "@a: 7\n\n\n@a: 7\n"),
        ("BEGIN { @a = count(); exit(); } END { delete(@a); }", "\n\n@a: 0\n"),
        ("BEGIN { @a = sum(5); exit(); } END { delete(@a); }", "\n\n\n"),
        ("BEGIN { @a = avg(5); exit(); } END { delete(@a); }", "\n\n@a: 0\n\n"),
        ("BEGIN { @a = stats(5); exit(); } END { delete(@a); }", "\n\n@a: count 0, average 0, total 5\n\n"),
        ("BEGIN { @a = 5; zero(@a); @a = 7; exit(); }", "\n\n@a: 0\n"),
        ("BEGIN { @a = 5; delete(@a); @a = 7; exit(); }", "\n\n@a: 7\n"),
        ("BEGIN { @a[1] = 5; print(@a); delete(@a[1]); exit(); }", "\n\n\n\n"),
        ("BEGIN { printf(\"x\\n\"); @a = 5; print(@a); printf(\"y\\n\"); @a = 6; exit(); }", "x\n@a: 6\ny\n\n\n@a: 6\n"),
        ("BEGIN { @a = count(); @b[1] = sum(2); print(@a); print(@b); clear(@b); @b[2] = sum(1); exit(); }", "@a: 1\n@b[2]: 1\n@b[1]: 2\n\n\n@a: 1\n\n"),
        ("BEGIN { @a = avg(3); print(@a); zero(@a); print(@a); @a = avg(9); exit(); }", "@a: 6\n\n@a: 0\n\n\n\n@a: 0\n\n"),
        ("BEGIN { @a = 1; print(@a); printf(\"t\\n\"); @a = 2; print(1); exit(); }", "@a: 2\nt\n1\n\n\n@a: 2\n"),
    ]
}
