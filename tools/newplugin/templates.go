package main

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"regexp"
	"strings"
	"text/template"
)

// The kinds of plugin newplugin scaffolds, picked by NAME's first element.
const (
	kindGreeter = "greeter"
	kindLogger  = "logger"
	kindFunc    = "func"
)

func kindOf(name string) string {
	switch strings.SplitN(name, "/", 2)[0] {
	case "greeter":
		if strings.Contains(name, "/") {
			return kindGreeter
		}
	case "logger":
		if strings.Contains(name, "/") {
			return kindLogger
		}
	}
	return kindFunc
}

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validateName checks NAME: lowercase Go identifiers separated by '/', none
// a Go keyword, and a last element that can name a plugin's package.
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("empty NAME: want lowercase Go identifiers separated by '/', such as greeter/french")
	}
	elems := strings.Split(name, "/")
	for _, e := range elems {
		switch {
		case e == "":
			return fmt.Errorf("NAME %q: empty element (leading, trailing or doubled '/')", name)
		case !identRE.MatchString(e):
			return fmt.Errorf("NAME %q: element %q is not a lowercase Go identifier (a-z first, then a-z, 0-9 or _)", name, e)
		case token.IsKeyword(e):
			return fmt.Errorf("NAME %q: element %q is a Go keyword and cannot name a package", name, e)
		case e == "testdata" || e == "internal" || e == "vendor":
			return fmt.Errorf("NAME %q: element %q is special to the go command (and gazelle)", name, e)
		}
	}
	last := elems[len(elems)-1]
	switch {
	case last == "main":
		return fmt.Errorf("NAME %q: a plugin's package cannot be package main: go_plugin generates the main package that imports it", name)
	case strings.HasSuffix(last, "_test"):
		return fmt.Errorf("NAME %q: a package name ending in _test is reserved for external tests", name)
	}
	return nil
}

// data is what the templates see.
type data struct {
	Module  string // Go module path of the workspace
	Name    string // the plugin's name, e.g. greeter/french
	Package string // the Go package name: NAME's last element
	Dir     string // the package's folder: plugins/NAME
}

// render returns the plugin's files by base name. Go files are gofmt'ed;
// rendering fails rather than return Go source that go/format rejects.
func render(module, name string) (map[string][]byte, error) {
	elems := strings.Split(name, "/")
	d := data{Module: module, Name: name, Package: elems[len(elems)-1], Dir: "plugins/" + name}
	kind := kindOf(name)
	files := map[string][]byte{}
	for _, f := range []struct {
		base  string
		tmpl  *template.Template
		gofmt bool
	}{
		{d.Package + ".go", sources[kind], true},
		{d.Package + "_test.go", tests[kind], true},
		{"BUILD.bazel", buildFile, false},
	} {
		var b bytes.Buffer
		if err := f.tmpl.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("%s: %w", f.base, err)
		}
		out := b.Bytes()
		if f.gofmt {
			var err error
			if out, err = format.Source(out); err != nil {
				return nil, fmt.Errorf("%s: template output is not valid Go: %w", f.base, err)
			}
		}
		files[f.base] = out
	}
	return files, nil
}

// BUILD.bazel as gazelle (go_naming_convention import) and buildifier write
// it: the go_plugin call first, then the library and its test.
var buildFile = template.Must(template.New("BUILD.bazel").Parse(`load("@rules_go//go:def.bzl", "go_library", "go_test")
load("//tools/rules:go_plugin.bzl", "go_plugin")

go_plugin(
    name = "plugin",
    library = ":{{.Package}}",
    visibility = ["//visibility:public"],
)

go_library(
    name = "{{.Package}}",
    srcs = ["{{.Package}}.go"],
    importpath = "{{.Module}}/{{.Dir}}",
    visibility = ["//visibility:public"],
    deps = ["//pluginapi"],
)

go_test(
    name = "{{.Package}}_test",
    srcs = ["{{.Package}}_test.go"],
    embed = [":{{.Package}}"],
    deps = [
        "//pluginapi",
        "@com_github_stretchr_testify//assert",
    ],
)
`))

var sources = map[string]*template.Template{
	kindGreeter: template.Must(template.New("greeter").Parse(`// Package {{.Package}} is a greeter plugin. Its go_plugin target,
// //{{.Dir}}:plugin, builds it as {{.Package}}.so, which
// ` + "`host greet --lang={{.Package}}`" + ` loads.
package {{.Package}}

import "{{.Module}}/pluginapi"

type greeter struct{}

// Greet says hello; replace it with this plugin's greeting.
func (greeter) Greet() string { return {{printf "%q" (print "Hello from " .Name)}} }

// Greeter is looked up by the host as pluginapi.GreeterSymbol.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       {{printf "%q" .Name}},
	Version:    "0.1.0",
	APIVersion: pluginapi.APIVersion,
}
`)),
	kindLogger: template.Must(template.New("logger").Parse(`// Package {{.Package}} is a logger plugin: one line per message, the level,
// the message, then the labels as key=value pairs in key order. Its go_plugin
// target, //{{.Dir}}:plugin, builds it as {{.Package}}.so.
package {{.Package}}

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"{{.Module}}/pluginapi"
)

// Output is where messages go: the host process's standard output. Tests
// swap it.
var Output io.Writer = os.Stdout

type logger struct{}

func (logger) print(level, msg string, labels pluginapi.Labels) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", level, msg)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(&b, " %s=%q", k, labels[k])
	}
	fmt.Fprintln(Output, b.String())
}

func (l logger) Log(msg string, labels pluginapi.Labels)  { l.print("LOG", msg, labels) }
func (l logger) Info(msg string, labels pluginapi.Labels) { l.print("INFO", msg, labels) }
func (l logger) Warn(msg string, labels pluginapi.Labels) { l.print("WARN", msg, labels) }

// Logger is looked up by the host as pluginapi.LoggerSymbol.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       {{printf "%q" .Name}},
	Version:    "0.1.0",
	APIVersion: pluginapi.APIVersion,
}
`)),
	kindFunc: template.Must(template.New("func").Parse(`// Package {{.Package}} is a plugin that exports a function. Its go_plugin
// target, //{{.Dir}}:plugin, builds it as {{.Package}}.so, and its bindings,
// //{{.Dir}}:plugin_bindings, expose Hello as a method of PluginAPI.
package {{.Package}}

import "{{.Module}}/pluginapi"

// Hello greets name; replace it with what this plugin does.
func Hello(name string) string { return "Hello, " + name + {{printf "%q" (print ", from " .Name)}} }

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       {{printf "%q" .Name}},
	Version:    "0.1.0",
	APIVersion: pluginapi.APIVersion,
}
`)),
}

var tests = map[string]*template.Template{
	kindGreeter: template.Must(template.New("greeter_test").Parse(`package {{.Package}}

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"{{.Module}}/pluginapi"
)

func TestGreeter(t *testing.T) {
	assert.Equal(t, {{printf "%q" (print "Hello from " .Name)}}, Greeter.Greet())
}

func TestManifest(t *testing.T) {
	assert.Equal(t, pluginapi.Manifest{Name: {{printf "%q" .Name}}, Version: "0.1.0", APIVersion: pluginapi.APIVersion}, PluginManifest)
}
`)),
	kindLogger: template.Must(template.New("logger_test").Parse(`package {{.Package}}

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"{{.Module}}/pluginapi"
)

func TestLogger(t *testing.T) {
	var out bytes.Buffer
	prev := Output
	Output = &out
	t.Cleanup(func() { Output = prev })
	Logger.Info("Hello world!", pluginapi.Labels{"user": "sample", "app": "demo"})
	Logger.Warn("careful", nil)
	Logger.Log("quote \"me\"", pluginapi.Labels{"k": "a b"})
	assert.Equal(t, "INFO Hello world! app=\"demo\" user=\"sample\"\n"+
		"WARN careful\n"+
		"LOG quote \"me\" k=\"a b\"\n", out.String())
}

func TestManifest(t *testing.T) {
	assert.Equal(t, pluginapi.Manifest{Name: {{printf "%q" .Name}}, Version: "0.1.0", APIVersion: pluginapi.APIVersion}, PluginManifest)
}
`)),
	kindFunc: template.Must(template.New("func_test").Parse(`package {{.Package}}

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"{{.Module}}/pluginapi"
)

func TestHello(t *testing.T) {
	assert.Equal(t, {{printf "%q" (print "Hello, Gopher, from " .Name)}}, Hello("Gopher"))
}

func TestManifest(t *testing.T) {
	assert.Equal(t, pluginapi.Manifest{Name: {{printf "%q" .Name}}, Version: "0.1.0", APIVersion: pluginapi.APIVersion}, PluginManifest)
}
`)),
}
