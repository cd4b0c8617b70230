// Command bindgen reads a Go plugin (.so) and writes a Go file of typed
// bindings to its exported functions and variables: Bind<Name>(path) opens
// the plugin, checks every symbol's type and returns a value whose methods
// call the plugin's functions.
//
// It re-implements github.com/wendigo/go-bind-plugin, with the same flags,
// without reading the runtime's private structures, and with reproducible
// output. Run "bindgen -help" for the flags; the logic lives in
// internal/bindgen.
//
// "bindgen kind -kind NAME ..." is the second mode: it generates the
// bindings package of a plugin kind (Kind, Spec, Plugin, Bind, Load, Reload)
// from the source of the API package that declares it; "bindgen kind -help"
// for its flags.
package main

import (
	"context"
	"os"

	"example.com/plugkit/tools/build/bindgen/internal/bindgen"
)

func main() {
	os.Exit(bindgen.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
