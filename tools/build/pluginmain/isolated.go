package main

// Isolated mode, for go_plugin's executable: a package main that hands the
// plugin package's symbol table to the kind's generated rpc package, which
// serves it over hashicorp/go-plugin.

type isolatedData struct {
	Imports []importSpec
	Symbols []symbol
}

// isolatedSource is the package main of a plugin's executable. rpcPath is
// imported as kindrpc, whatever its last element.
func isolatedSource(rpcPath string, pkg *pluginPackage) ([]byte, error) {
	return render("isolated", isolatedData{
		Imports: importSpecs(map[string]string{"kindrpc": rpcPath, implAlias: pkg.importpath}),
		Symbols: symbolTable(implAlias, pkg),
	})
}
