import Testing
import TraceRecorder

/// -e takes perf's comma-separated lists as well as one event per flag; a comma inside an
/// event's field options (no colon) stays with that event.
@Test func eventListsSplitAtEventsNotAtFieldOptions() throws {
    #expect(try RecorderOptions.splitEventLists(["sched:sched_waking,sched:sched_wakeup"]) == ["sched:sched_waking", "sched:sched_wakeup"])
    #expect(try RecorderOptions.splitEventLists(["syscalls:sys_enter_openat:filename=str,irq:*"]) == ["syscalls:sys_enter_openat:filename=str", "irq:*"])
    #expect(try RecorderOptions.splitEventLists(["a:b:x=str,y=str,c:d:z=str", "a:b:x=str,y=str"]) == ["a:b:x=str,y=str", "c:d:z=str"])
    #expect(try RecorderOptions.splitEventLists(["irq:*"]) == ["irq:*"])
    // A field option with no event before it is left for the spec parser to name.
    #expect(try RecorderOptions.splitEventLists(["x=str"]) == ["x=str"])
    for bad in ["sched:sched_waking,", ",irq:*", "a:b,,c:d"] {
        #expect(throws: RecorderError.self, "\(bad)") { try RecorderOptions.splitEventLists([bad]) }
    }
}
