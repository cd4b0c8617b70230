// Package kindrpc stands in for a kind's rpc package (bindgen rpc,
// //pluginapi/kinds:<kind>rpc), which only Bazel generates. The end-to-end
// test overlays it at that package's import path, so the generated main
// compiles as go_plugin builds it. Serve prints the table it is given, one
// "name type" line per symbol in name order, instead of serving it.
package kindrpc

import (
	"fmt"
	"sort"
)

// Serve has the signature of the generated Serve.
func Serve(symbols map[string]any) {
	names := make([]string, 0, len(symbols))
	for name := range symbols {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("%s %T\n", name, symbols[name])
	}
}
