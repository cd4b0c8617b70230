package main

import (
	"fmt"
	"go/token"
	"regexp"
	"strings"
)

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validateName checks the plugin's name, KIND/NAME: lowercase Go
// identifiers separated by '/', none a Go keyword, and a last element that
// can name a plugin's package. Whether KIND is a declared kind is checked
// against the contract (pluginName).
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("empty KIND/NAME: want lowercase Go identifiers separated by '/', such as greeter/french")
	}
	elems := strings.Split(name, "/")
	for _, e := range elems {
		switch {
		case e == "":
			return fmt.Errorf("KIND/NAME %q: empty element (leading, trailing or doubled '/')", name)
		case !identRE.MatchString(e):
			return fmt.Errorf("KIND/NAME %q: element %q is not a lowercase Go identifier (a-z first, then a-z, 0-9 or _)", name, e)
		case token.IsKeyword(e):
			return fmt.Errorf("KIND/NAME %q: element %q is a Go keyword and cannot name a package", name, e)
		case e == "testdata" || e == "internal" || e == "vendor":
			return fmt.Errorf("KIND/NAME %q: element %q is special to the go command (and gazelle)", name, e)
		}
	}
	last := elems[len(elems)-1]
	switch {
	case last == "main":
		return fmt.Errorf("KIND/NAME %q: a plugin's package cannot be package main: go_plugin generates the main package that imports it", name)
	case strings.HasSuffix(last, "_test"):
		return fmt.Errorf("KIND/NAME %q: a package name ending in _test is reserved for external tests", name)
	}
	return nil
}

// pluginName splits a valid name into its kind, which must be one the
// contract declares, and the package name, its last element. The error
// lists the declared kinds.
func pluginName(name string, kinds []string) (kind, pkg string, err error) {
	declared := fmt.Sprintf("the kinds %s/ declares are %s", apiDir, strings.Join(kinds, ", "))
	if len(kinds) == 0 {
		declared = fmt.Sprintf("%s/ declares no kinds", apiDir)
	}
	kind, rest, ok := strings.Cut(name, "/")
	if !ok {
		example := "greeter"
		if len(kinds) > 0 {
			example = kinds[0]
		}
		return "", "", fmt.Errorf("%q has no KIND/ prefix: write KIND/NAME, such as %s/%s; %s", name, example, name, declared)
	}
	found := false
	for _, k := range kinds {
		found = found || k == kind
	}
	if !found {
		return "", "", fmt.Errorf("kind %q is not declared: %s (a new kind is one `type %sKind struct` in %s/kinds.go)",
			kind, declared, exported(kind), apiDir)
	}
	return kind, rest[strings.LastIndex(rest, "/")+1:], nil
}

// exported is kind with its first letter upper-cased: the X of XKind.
func exported(kind string) string {
	if kind == "" {
		return ""
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}
