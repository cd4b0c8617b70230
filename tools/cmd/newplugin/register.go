package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bazelbuild/buildtools/build"
)

// The list of plugins the repository ships: PLUGINS = [...] in
// plugins/BUILD.bazel, which the dynamic host gets as data, the static host
// links in and //plugins:install installs.
const (
	registryFile = "plugins/BUILD.bazel"
	registryList = "PLUGINS"
)

// errNoRegistry is the error of a workspace whose plugins/BUILD.bazel or
// PLUGINS list newplugin cannot edit.
var errNoRegistry = errors.New("cannot register the plugin")

// register returns plugins/BUILD.bazel, data, with label added to the
// PLUGINS list, before the first element that sorts after it, and the file
// formatted as buildifier formats it. It edits the file's syntax tree with
// buildtools, never its text. added is false, and out data, when the list
// already holds label.
func register(file string, data []byte, label string) (out []byte, added bool, err error) {
	f, err := build.ParseBuild(file, data)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", errNoRegistry, err)
	}
	var list *build.ListExpr
	for _, stmt := range f.Stmt {
		a, ok := stmt.(*build.AssignExpr)
		if !ok || a.Op != "=" {
			continue
		}
		if id, ok := a.LHS.(*build.Ident); ok && id.Name == registryList {
			l, ok := a.RHS.(*build.ListExpr)
			if !ok {
				return nil, false, fmt.Errorf("%w: %s: %s is not a list literal [...]", errNoRegistry, file, registryList)
			}
			list = l
		}
	}
	if list == nil {
		return nil, false, fmt.Errorf("%w: %s has no list %s = [...]", errNoRegistry, file, registryList)
	}
	at := len(list.List)
	for i, e := range list.List {
		s, ok := e.(*build.StringExpr)
		if !ok {
			continue
		}
		if s.Value == label {
			return data, false, nil
		}
		if s.Value > label && at == len(list.List) {
			at = i
		}
	}
	list.List = append(list.List[:at], append([]build.Expr{&build.StringExpr{Value: label}}, list.List[at:]...)...)
	if len(list.List) > 1 {
		list.ForceMultiLine = true
	}
	return build.Format(f), true, nil
}

// registration is the planned edit of plugins/BUILD.bazel.
type registration struct {
	path  string // the file, in the workspace
	label string
	old   []byte
	new   []byte
	added bool
}

// planRegistration reads plugins/BUILD.bazel and prepares the edit that
// adds label to PLUGINS, or says how to do without it.
func planRegistration(workspace, label string) (*registration, error) {
	file := filepath.Join(workspace, filepath.FromSlash(registryFile))
	howto := fmt.Sprintf("add %q to the list of plugins the repository ships (%s = [...] in %s) by hand, or pass --no-register for a plugin that does not ship; nothing was written",
		label, registryList, registryFile)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; %s", errNoRegistry, err, howto)
	}
	out, added, err := register(registryFile, data, label)
	if err != nil {
		return nil, fmt.Errorf("%w; %s", err, howto)
	}
	return &registration{path: file, label: label, old: data, new: out, added: added}, nil
}

// apply writes the file, unless it changed since it was read.
func (r *registration) apply() error {
	if !r.added {
		return nil
	}
	now, err := os.ReadFile(r.path)
	if err != nil {
		return err
	}
	if string(now) != string(r.old) {
		return fmt.Errorf("%s changed while newplugin ran; add %q to %s by hand", registryFile, r.label, registryList)
	}
	info, err := os.Stat(r.path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.path), ".BUILD.bazel.newplugin-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(r.new)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), info.Mode().Perm())
	}
	if err == nil {
		err = os.Rename(tmp.Name(), r.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
