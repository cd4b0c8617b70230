package main

// The values both modes derive from the rules' inputs: the module versions
// a target links, from go.mod, and the pluginapi version it was compiled
// against, from pluginapi's source.

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// sharedDeps maps each go.mod requirement to its version (after replace
// directives). With importpaths, only the modules providing one of them are
// kept: those are the modules the target links.
func sharedDeps(goModPath string, importpaths []string) (map[string]string, error) {
	data, err := os.ReadFile(goModPath)
	if err != nil {
		return nil, err
	}
	mf, err := modfile.Parse(goModPath, data, nil)
	if err != nil {
		return nil, err
	}
	versions := map[string]string{}
	for _, r := range mf.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range mf.Replace {
		if _, ok := versions[r.Old.Path]; !ok {
			continue
		}
		if r.New.Version != "" {
			versions[r.Old.Path] = r.New.Version
		} else {
			versions[r.Old.Path] = "=> " + r.New.Path
		}
	}
	if importpaths == nil {
		return versions, nil
	}
	linked := map[string]string{}
	for _, ip := range importpaths {
		if mod := moduleOf(ip, versions); mod != "" {
			linked[mod] = versions[mod]
		}
	}
	return linked, nil
}

// moduleOf returns the longest module path in mods that contains importpath.
func moduleOf(importpath string, mods map[string]string) string {
	best := ""
	for mod := range mods {
		if (importpath == mod || strings.HasPrefix(importpath, mod+"/")) && len(mod) > len(best) {
			best = mod
		}
	}
	return best
}

// apiVersion reads the APIVersion constant from the pluginapi sources the
// plugin was compiled against. Reading the source, not this tool's own copy
// of pluginapi, is what lets a plugin built against another pluginapi be
// told apart.
func apiVersion(srcs []string) (string, error) {
	if len(srcs) == 0 {
		return "", errors.New("the plugin does not link example.com/plugkit/pluginapi: every plugin exports a pluginapi.Manifest")
	}
	fset := token.NewFileSet()
	for _, src := range srcs {
		f, err := parser.ParseFile(fset, src, nil, 0)
		if err != nil {
			return "", err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != "APIVersion" || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return "", fmt.Errorf("%s: APIVersion is not a string literal", src)
					}
					return strconv.Unquote(lit.Value)
				}
			}
		}
	}
	return "", fmt.Errorf("no APIVersion constant in %s", strings.Join(srcs, ", "))
}
