// BSD libedit's readline interface, for the line editing and history of `bpfan sql`'s shell.
#include <stdio.h>
#include <editline/readline.h>
