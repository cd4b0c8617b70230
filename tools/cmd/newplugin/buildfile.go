package main

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/bazelbuild/buildtools/build"
	"golang.org/x/mod/modfile"
)

// testifyAssert is the import path of the one test dependency.
const testifyAssert = "github.com/stretchr/testify/assert"

// buildFile is the plugin's BUILD.bazel: the go_plugin call naming its
// kind, then the go_library and go_test as gazelle writes them
// (go_naming_convention import, the dependencies of go.mod through go_deps),
// formatted as buildifier formats it.
func (p *plugin) buildFile(gomod *modfile.File, libImports, testImports []string) ([]byte, error) {
	f := &build.File{Path: p.dir + "/BUILD.bazel", Type: build.TypeBuild}
	f.Stmt = append(f.Stmt,
		load("@rules_go//go:def.bzl", "go_library", "go_test"),
		load("//tools/rules:defs.bzl", "go_plugin"),
		rule("go_plugin",
			attr("name", str("plugin")),
			attr("kind", str(p.kind.Name)),
			attr("library", str(":"+p.pkg)),
			attr("visibility", list("//visibility:public")),
		),
	)
	lib := []build.Expr{
		attr("name", str(p.pkg)),
		attr("srcs", list(p.pkg+".go")),
		attr("importpath", str(p.importPath())),
		attr("visibility", list("//visibility:public")),
	}
	if deps := p.deps(gomod, libImports); len(deps) > 0 {
		lib = append(lib, attr("deps", list(deps...)))
	}
	f.Stmt = append(f.Stmt, rule("go_library", lib...))
	test := []build.Expr{
		attr("name", str(p.pkg+"_test")),
		attr("srcs", list(p.pkg+"_test.go")),
		attr("embed", list(":"+p.pkg)),
	}
	if deps := p.deps(gomod, testImports); len(deps) > 0 {
		test = append(test, attr("deps", list(deps...)))
	}
	f.Stmt = append(f.Stmt, rule("go_test", test...))
	out := build.Format(f)
	if _, err := build.ParseBuild(f.Path, out); err != nil {
		return nil, fmt.Errorf("generated BUILD.bazel does not parse: %w", err)
	}
	return out, nil
}

func load(module string, symbols ...string) *build.LoadStmt {
	l := &build.LoadStmt{Module: str(module), ForceCompact: true}
	for _, s := range symbols {
		l.From = append(l.From, &build.Ident{Name: s})
		l.To = append(l.To, &build.Ident{Name: s})
	}
	return l
}

func rule(kind string, attrs ...build.Expr) *build.CallExpr {
	return &build.CallExpr{X: &build.Ident{Name: kind}, List: attrs, ForceMultiLine: true}
}

func attr(name string, value build.Expr) *build.AssignExpr {
	return &build.AssignExpr{LHS: &build.Ident{Name: name}, Op: "=", RHS: value}
}

func str(s string) *build.StringExpr { return &build.StringExpr{Value: s} }

func list(values ...string) *build.ListExpr {
	l := &build.ListExpr{ForceMultiLine: len(values) > 1}
	for _, v := range values {
		l.List = append(l.List, str(v))
	}
	return l
}

// deps returns the Bazel labels of the imports, as gazelle resolves them,
// sorted as buildifier sorts deps.
func (p *plugin) deps(gomod *modfile.File, imports []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, ip := range imports {
		l := label(p.module, gomod, ip)
		if l != "" && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return labelLess(out[i], out[j]) })
	return out
}

// label is the label gazelle gives the import path ip: none for the
// standard library, //dir for a package of this module, and
// @<repo>//dir for a package of a module that go.mod requires, its
// repository named as go_deps names it.
func label(module string, gomod *modfile.File, ip string) string {
	switch {
	case isStd(ip):
		return ""
	case ip == testifyAssert:
		return "@com_github_stretchr_testify//assert"
	case ip == module || strings.HasPrefix(ip, module+"/"):
		return shortLabel("", strings.TrimPrefix(strings.TrimPrefix(ip, module), "/"), path.Base(ip))
	}
	mod := ip // a module go.mod does not require: its own
	if gomod != nil {
		best := ""
		for _, r := range gomod.Require {
			mp := r.Mod.Path
			if (ip == mp || strings.HasPrefix(ip, mp+"/")) && len(mp) > len(best) {
				best = mp
			}
		}
		if best != "" {
			mod = best
		}
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(ip, mod), "/")
	return shortLabel("@"+repoName(mod), rel, path.Base(ip))
}

// shortLabel writes repo//dir:name, or repo//dir when name is dir's last
// element, as gazelle does.
func shortLabel(repo, dir, name string) string {
	if dir != "" && path.Base(dir) == name {
		return repo + "//" + dir
	}
	return repo + "//" + dir + ":" + name
}

// repoName is gazelle's repository name for a module path
// (label.ImportPathToBazelRepoName): github.com/stretchr/testify is
// com_github_stretchr_testify.
func repoName(modulePath string) string {
	parts := strings.Split(strings.ToLower(modulePath), "/")
	host := strings.Split(parts[0], ".")
	for i, j := 0, len(host)-1; i < j; i, j = i+1, j-1 {
		host[i], host[j] = host[j], host[i]
	}
	name := strings.Join(append(host, parts[1:]...), ".")
	return strings.NewReplacer("-", "_", ".", "_").Replace(name)
}

// labelLess orders labels as buildifier sorts a deps list: ":x" first,
// then "//x", then "@x", each group by its text.
func labelLess(a, b string) bool {
	rank := func(l string) int {
		switch {
		case strings.HasPrefix(l, ":"):
			return 0
		case strings.HasPrefix(l, "//"):
			return 1
		}
		return 2
	}
	if rank(a) != rank(b) {
		return rank(a) < rank(b)
	}
	return a < b
}

// readGoMod reads the workspace's go.mod: its module path, and its
// requirements for the labels of other modules.
func readGoMod(file string) (string, *modfile.File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", nil, err
	}
	module := modfile.ModulePath(data)
	if module == "" {
		return "", nil, fmt.Errorf("%s: no module line", file)
	}
	mf, err := modfile.Parse(file, data, nil)
	if err != nil {
		mf = nil // the module path is all newplugin needs of a go.mod it cannot parse
	}
	return module, mf, nil
}
