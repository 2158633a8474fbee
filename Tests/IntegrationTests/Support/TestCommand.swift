// Command (running a program in a test) is shared with PackagingTests; every file of this
// suite uses it.
@_exported import TestCommand
