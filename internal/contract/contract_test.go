package contract

import (
	"errors"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiDir is the real contract package, pluginapi, from this package's
// directory; under Bazel it is in the runfiles (//pluginapi:srcs).
const apiDir = "../../pluginapi"

// apiFiles returns pluginapi's source files, as //pluginapi:srcs globs them,
// or skips when they are not there.
func apiFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(apiDir, "*.go"))
	require.NoError(t, err)
	var srcs []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			srcs = append(srcs, f)
		}
	}
	if len(srcs) == 0 {
		t.Skipf("no pluginapi sources in %s (under Bazel, the test's data must hold //pluginapi:srcs)", apiDir)
	}
	return srcs
}

const api = "example.com/plugkit/pluginapi"

func TestParsePluginAPI(t *testing.T) {
	c, err := Parse(api, apiFiles(t))
	require.NoError(t, err)
	assert.Equal(t, "pluginapi", c.Package)
	assert.Equal(t, api, c.ImportPath)
	assert.Equal(t, []string{"adder", "greeter", "logger"}, c.KindNames())
	assert.Empty(t, c.Imports)

	manifest := Symbol{Name: "PluginManifest", Type: "pluginapi.Manifest", Imports: []string{api}}
	labels := Param{Name: "labels", Type: "pluginapi.Labels"}
	msg := Param{Name: "msg", Type: "string"}
	for _, tc := range []struct {
		kind, typeName, doc string
		symbols             []Symbol
	}{
		{"adder", "AdderKind", "AdderKind declares the kind adder", []Symbol{
			manifest,
			{Name: "AddTwoInts", Func: true, Type: "func(a, b int) int", Imports: []string{},
				Params: []Param{{Name: "a", Type: "int"}, {Name: "b", Type: "int"}}, Results: []Param{{Type: "int"}}, Signature: true},
			{Name: "BuildVersion", Type: "string", Imports: []string{}},
		}},
		{"greeter", "GreeterKind", "GreeterKind declares the kind greeter", []Symbol{
			manifest,
			{Name: "Greeter", Type: "pluginapi.Greeter", Imports: []string{api}, Interface: &Interface{Name: "Greeter", Methods: []Method{
				{Name: "Greet", Doc: "Greet returns the greeting, without a trailing newline.", Results: []Param{{Type: "string"}}},
			}}},
		}},
		{"logger", "LoggerKind", "LoggerKind declares the kind logger", []Symbol{
			manifest,
			{Name: "Logger", Type: "pluginapi.Logger", Imports: []string{api}, Interface: &Interface{Name: "Logger", Methods: []Method{
				{Name: "Log", Params: []Param{msg, labels}},
				{Name: "Info", Params: []Param{msg, labels}},
				{Name: "Warn", Params: []Param{msg, labels}},
			}}},
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			k, ok := c.Kind(tc.kind)
			require.True(t, ok)
			assert.Equal(t, tc.kind, k.Name)
			assert.Equal(t, tc.typeName, k.TypeName)
			assert.True(t, strings.HasPrefix(k.Doc, tc.doc), k.Doc)
			assert.Equal(t, tc.symbols, withoutPos(k.Symbols))
			for _, s := range k.Symbols {
				assert.Equal(t, filepath.Join(apiDir, "kinds.go"), s.Pos.Filename, s.Name)
			}
		})
	}
	_, ok := c.Kind("nope")
	assert.False(t, ok)
}

func withoutPos(syms []Symbol) []Symbol {
	out := make([]Symbol, len(syms))
	for i, s := range syms {
		s.Pos = token.Position{}
		out[i] = s
	}
	return out
}

func TestParseValid(t *testing.T) {
	c, err := Parse("example.com/x/api", []string{"testdata/valid/api.go", "testdata/valid/more.go"})
	require.NoError(t, err)
	assert.Equal(t, "api", c.Package)
	assert.Equal(t, []string{"group", "tool", "zed"}, c.KindNames(), "sorted; lowerKind is unexported, notAKind has no Kind suffix")
	assert.Equal(t, map[string]string{"io": "io", "tm": "text/template", "time": "time", "t": "time"}, c.Imports)

	group, _ := c.Kind("group")
	assert.Equal(t, "GroupKind declares the kind group, in a type group.", group.Doc, "the spec's doc inside a group")
	tool, _ := c.Kind("tool")
	assert.Equal(t, "ToolKind", tool.TypeName)
	assert.Equal(t, "ToolKind declares the kind tool: every shape of symbol.\n\nIt has a second paragraph.", tool.Doc)

	const self = "example.com/x/api"
	greeter := &Interface{Name: "Greeter", Methods: []Method{{Name: "Greet", Doc: "Greet returns a greeting.", Results: []Param{{Type: "string"}}}}}
	type want struct {
		typ     string
		fn      bool
		imports []string
		iface   *Interface
		doc     string
	}
	for _, tc := range []struct {
		name string
		want want
	}{
		{"PluginManifest", want{typ: "api.Manifest", imports: []string{self}}},
		{"Greeter", want{typ: "api.AliasGreeter", imports: []string{self}, iface: greeter}},
		{"Own", want{typ: "api.OwnGreeter", imports: []string{self}, iface: &Interface{Name: "OwnGreeter", Methods: greeter.Methods}}},
		{"Loud", want{typ: "api.Loud", imports: []string{self}, iface: &Interface{Name: "Loud", Methods: []Method{
			greeter.Methods[0],
			{Name: "Error", Results: []Param{{Type: "string"}}},
			{Name: "Shout", Doc: "Shout shouts words.", Params: []Param{{Name: "words", Type: "...string"}},
				Results: []Param{{Name: "n", Type: "int"}, {Name: "err", Type: "error"}}},
			{Name: "Wait", Params: []Param{{Type: "time.Duration"}, {Type: "api.Labels"}}},
		}, Embeds: []string{"io.Closer"}}}},
		{"Run", want{typ: "func(a, b int, rest ...string) (int, error)", fn: true, imports: []string{}}},
		{"Hook", want{typ: "func()", imports: []string{}}},
		{"Handle", want{typ: "api.Handler", fn: true, imports: []string{self}}},
		{"Timeout", want{typ: "time.Duration", imports: []string{"time"}}},
		{"Tmpl", want{typ: "*tm.Template", imports: []string{"text/template"}}},
		{"Table", want{typ: "[api.Size][2 * 2]byte", imports: []string{self}}},
		{"Pairs", want{typ: "[]api.Pair[string, int]", imports: []string{self}}},
		{"Ch", want{typ: "<-chan map[string][]*api.Manifest", imports: []string{self}}},
		{"Send", want{typ: "chan<- func() (x int)", imports: []string{}}},
		{"Both", want{typ: "chan (<-chan int)", imports: []string{}}},
		{"Opts", want{typ: "struct{ Verbose bool `json:\"v\"`; Level int }", imports: []string{}}},
		{"Empty", want{typ: "struct{}", imports: []string{}}},
		{"Any", want{typ: "any", imports: []string{}}},
		{"Err", want{typ: "error", imports: []string{}}},
		{"Lit", want{typ: "interface{ Greet() string }", imports: []string{}}},
		{"Out", want{typ: "io.Writer", imports: []string{"io"}, doc: "Out is where it writes."}},
		{"A", want{typ: "int", imports: []string{}, doc: "two at once"}},
		{"B", want{typ: "int", imports: []string{}, doc: "two at once"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *Symbol
			for i := range tool.Symbols {
				if tool.Symbols[i].Name == tc.name {
					got = &tool.Symbols[i]
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.want.typ, got.Type)
			assert.Equal(t, tc.want.fn, got.Func, "Func")
			assert.Equal(t, tc.want.imports, got.Imports)
			assert.Equal(t, tc.want.iface, got.Interface)
			assert.Equal(t, tc.want.doc, got.Doc)
			assert.Equal(t, "testdata/valid/api.go", got.Pos.Filename)
		})
	}
	var names []string
	for _, s := range tool.Symbols {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"PluginManifest", "Greeter", "Own", "Loud", "Run", "Hook", "Handle", "Timeout", "Tmpl",
		"Table", "Pairs", "Ch", "Send", "Both", "Opts", "Empty", "Any", "Err", "Lit", "Out", "A", "B"}, names, "declaration order")

	zed, _ := c.Kind("zed")
	assert.Equal(t, []Symbol{
		{Name: "PluginManifest", Type: "api.Manifest", Imports: []string{self}},
		{Name: "Labels", Type: "api.Labels", Imports: []string{self}},
		{Name: "Since", Type: "t.Time", Imports: []string{"time"}},
		{Name: "Greeter", Type: "api.Greeter", Imports: []string{self}, Interface: greeter},
	}, withoutPos(zed.Symbols), "types of another file resolve")
}

// wantRE finds the expectations in the error cases: a comment
// // want `regexp` on the line an error must be reported at.
var wantRE = regexp.MustCompile("// want `([^`]*)`")

type wantError struct {
	file string
	line int
	re   *regexp.Regexp
}

func readWants(t *testing.T, file string) []wantError {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	var wants []wantError
	for i, line := range strings.Split(string(data), "\n") {
		m := wantRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		re, err := regexp.Compile(m[1])
		require.NoError(t, err, "%s:%d", file, i+1)
		wants = append(wants, wantError{file: file, line: i + 1, re: re})
	}
	return wants
}

// flatten lists the errors Parse joined, scanner.ErrorList entries one by one.
func flatten(err error) []error {
	var out []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var list scanner.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			out = append(out, e)
		}
		return out
	}
	return []error{err}
}

// TestParseErrors parses each case with testdata/base (Manifest and
// Greeter) and checks that every error is reported, on its line, and no
// other.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"fields", []string{"fields.go"}},
		{"manifest", []string{"manifest.go"}},
		{"types", []string{"types.go"}},
		{"kinds", []string{"kinds.go"}},
		{"interfaces", []string{"interfaces.go"}},
		{"package", []string{"package.go"}},
		{"syntax", []string{"syntax.go"}},
		{"imports", []string{"imports.go"}},
		{"import name conflict", []string{"imports.go", "imports2.go"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := []string{"testdata/base/manifest.go"}
			var wants []wantError
			for _, f := range tc.files {
				path := filepath.Join("testdata/errors", f)
				files = append(files, path)
				wants = append(wants, readWants(t, path)...)
			}
			require.NotEmpty(t, wants)
			c, err := Parse("example.com/x/api", files)
			require.Error(t, err)
			assert.Nil(t, c)
			errs := flatten(err)
			for _, w := range wants {
				found := false
				for _, e := range errs {
					var pos string
					var cerr *Error
					var serr *scanner.Error
					switch {
					case errors.As(e, &cerr):
						pos = cerr.Pos.Filename + ":" + strconv.Itoa(cerr.Pos.Line) + ":"
					case errors.As(e, &serr):
						pos = serr.Pos.Filename + ":" // the parser reports EOF past the last line
					}
					if strings.HasPrefix(e.Error(), pos) && strings.HasPrefix(pos, w.file+":") &&
						(serr != nil || strings.HasPrefix(pos, w.file+":"+strconv.Itoa(w.line)+":")) && w.re.MatchString(e.Error()) {
						found = true
					}
				}
				assert.True(t, found, "%s:%d: no error matching %q in:\n%v", w.file, w.line, w.re, err)
			}
			assert.Len(t, errs, len(wants), "one error per // want:\n%v", err)
		})
	}
}

func TestParseUsage(t *testing.T) {
	_, err := Parse("", []string{"x.go"})
	assert.ErrorContains(t, err, "no import path")
	_, err = Parse("example.com/x", nil)
	assert.ErrorContains(t, err, "no source files")
	_, err = Parse("example.com/x", []string{"testdata/no/such.go"})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestKindName(t *testing.T) {
	for typeName, want := range map[string]string{
		"GreeterKind":    "greeter",
		"HTTPServerKind": "httpserver",
		"Log_SinkKind":   "log_sink",
		"V2Kind":         "v2",
		"Kind":           "",
		"greeterKind":    "-",
		"Greeter":        "-",
		"GreeterKinds":   "-",
	} {
		got, ok := KindName(typeName)
		if !ok {
			got = "-"
		}
		assert.Equal(t, want, got, typeName)
	}
	assert.NoError(t, CheckKindName("greeter"))
	for _, bad := range []string{"", "go", "map", "main", "über", "a-b", "_x", "9"} {
		assert.Error(t, CheckKindName(bad), bad)
	}
}

func TestAssumedPackageName(t *testing.T) {
	for path, want := range map[string]string{
		"time":                       "time",
		"text/template":              "template",
		"example.com/x/v2":           "x",
		"gopkg.in/yaml.v3":           "yaml",
		"github.com/mattn/go-isatty": "isatty",
		"example.com/v2":             "example",
	} {
		assert.Equal(t, want, AssumedPackageName(path), path)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Msg: "boom"}
	assert.Equal(t, "boom", e.Error())
	e = &Error{Type: "Kind", Field: "X", Msg: "boom"}
	assert.Equal(t, "type Kind, field X: boom", e.Error())
	e = &Error{Type: "GreeterKind", Kind: "greeter", Msg: "boom"}
	assert.Equal(t, "kind greeter (GreeterKind): boom", e.Error())
}
