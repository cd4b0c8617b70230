// Command initexit ends the process from its init, inside plugin.Open: a
// test binary that opens it dies with exit status 3. It exports only F, so
// LoadKind must refuse it as a greeter before opening it, which is the
// point of checking kinds before plugin.Open.
package main

import "os"

func init() { os.Exit(3) }

// F is the plugin's only export.
func F() {}
