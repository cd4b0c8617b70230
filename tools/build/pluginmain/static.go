package main

// Static mode, for go_plugin_registry: a package whose init registers each
// plugin package's symbol table with the loader, for a host that links its
// plugins in.

import "fmt"

type staticData struct {
	Package string
	Imports []importSpec
	Plugins []staticPlugin
}

type staticPlugin struct {
	Kind, Name string
	Symbols    []symbol
}

// staticSource is the registry package. pkgs are sorted by name already;
// each is imported as plugin_impl<index>, names no Go package has. The
// loader's package is imported as loader, whatever its last element.
func staticSource(pkgName, loaderPath string, pkgs []*pluginPackage) ([]byte, error) {
	data := staticData{Package: pkgName}
	impls := map[string]string{"loader": loaderPath}
	for i, pkg := range pkgs {
		alias := fmt.Sprintf("%s%d", implAlias, i)
		impls[alias] = pkg.importpath
		data.Plugins = append(data.Plugins, staticPlugin{pkg.kind, pkg.name, symbolTable(alias, pkg)})
	}
	data.Imports = importSpecs(impls)
	return render("static", data)
}
