// Command host links in the registry that pluginmain's end-to-end test
// generates (overlaid at testdata/e2e/registry) and prints, for each kind
// given as an argument, what the real loader's static registry holds: one
// "kind name symbol type" line per symbol.
package main

import (
	"fmt"
	"os"
	"sort"

	"example.com/plugkit/host/loader"
	_ "example.com/plugkit/tools/build/pluginmain/testdata/e2e/registry"
)

func main() {
	for _, kind := range os.Args[1:] {
		for _, p := range loader.Static(kind) {
			names := make([]string, 0, len(p.Symbols))
			for name := range p.Symbols {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fmt.Printf("%s %s %s %T\n", kind, p.Name, name, p.Symbols[name])
			}
		}
	}
}
