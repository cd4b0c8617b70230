package bindgen

import (
	"fmt"
	"go/types"
	"reflect"
	"strconv"
	"strings"
)

// qualifier spells a named type from another package, e.g. alias "pluginapi"
// and name "Manifest" for "pluginapi.Manifest".
type qualifier func(pkgPath, name string) string

// typeRef is a type as one of the two inputs describes it: reflect for an
// opened plugin, go/types for the plugin's source. Both spell a type the
// same way (aliases resolved, byte as uint8, any for interface{}) so that a
// plugin gives the same bindings whichever input was used.
type typeRef interface {
	render(q qualifier) (string, error)
	// funcParts spells a function type's parameters and results; with
	// variadic set, the last parameter is the element type.
	funcParts(q qualifier) (params []string, variadic bool, results []string, err error)
}

// reflectRef is a type found by Lookup on an opened plugin.
type reflectRef struct {
	t        reflect.Type
	mainPath string // the plugin's own package path
}

// typesRef is a type found in the plugin's source.
type typesRef struct {
	t        types.Type
	mainPath string
}

func (r reflectRef) render(q qualifier) (string, error) { return renderReflect(r.t, r.mainPath, q) }
func (r typesRef) render(q qualifier) (string, error)   { return renderTypes(r.t, r.mainPath, q) }

func (r reflectRef) funcParts(q qualifier) (params []string, variadic bool, results []string, err error) {
	for i := range r.t.NumIn() {
		in := r.t.In(i)
		if r.t.IsVariadic() && i == r.t.NumIn()-1 {
			in, variadic = in.Elem(), true
		}
		s, err := renderReflect(in, r.mainPath, q)
		if err != nil {
			return nil, false, nil, err
		}
		params = append(params, s)
	}
	for i := range r.t.NumOut() {
		s, err := renderReflect(r.t.Out(i), r.mainPath, q)
		if err != nil {
			return nil, false, nil, err
		}
		results = append(results, s)
	}
	return params, variadic, results, nil
}

func (r typesRef) funcParts(q qualifier) (params []string, variadic bool, results []string, err error) {
	sig, ok := r.t.Underlying().(*types.Signature)
	if !ok {
		return nil, false, nil, fmt.Errorf("%w: %s is not a function", ErrUnsupportedType, r.t)
	}
	for i := range sig.Params().Len() {
		in := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			in, variadic = in.(*types.Slice).Elem(), true
		}
		s, err := renderTypes(in, r.mainPath, q)
		if err != nil {
			return nil, false, nil, err
		}
		params = append(params, s)
	}
	for i := range sig.Results().Len() {
		s, err := renderTypes(sig.Results().At(i).Type(), r.mainPath, q)
		if err != nil {
			return nil, false, nil, err
		}
		results = append(results, s)
	}
	return params, variadic, results, nil
}

func mainTypeError(mainPath, name string) error {
	return fmt.Errorf("%w: %s (in %s); a host cannot import a package main, "+
		"so move the type to a shared package such as example.com/plugkit/pluginapi",
		ErrMainType, name, mainPath)
}

func unnameableError(what, pkg string) error {
	return fmt.Errorf("%w: %s has unexported members from package %s, which no other package can spell; "+
		"declare it as a named type in a shared package such as example.com/plugkit/pluginapi",
		ErrUnsupportedType, what, pkg)
}

func renderReflect(t reflect.Type, mainPath string, q qualifier) (string, error) {
	rec := func(t reflect.Type) (string, error) { return renderReflect(t, mainPath, q) }
	if t.Name() != "" {
		switch {
		case t.Kind() == reflect.UnsafePointer && t.PkgPath() == "":
			return q("unsafe", "Pointer"), nil
		case t.PkgPath() == "":
			return t.Name(), nil // predeclared: int, string, error, ...
		case t.PkgPath() == mainPath || t.PkgPath() == "main":
			return "", mainTypeError(mainPath, t.Name())
		case strings.Contains(t.Name(), "["):
			return "", fmt.Errorf("%w: instance of generic type %s.%s", ErrUnsupportedType, t.PkgPath(), t.Name())
		}
		return q(t.PkgPath(), t.Name()), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		e, err := rec(t.Elem())
		return "*" + e, err
	case reflect.Slice:
		e, err := rec(t.Elem())
		return "[]" + e, err
	case reflect.Array:
		e, err := rec(t.Elem())
		return "[" + strconv.Itoa(t.Len()) + "]" + e, err
	case reflect.Map:
		k, err := rec(t.Key())
		if err != nil {
			return "", err
		}
		v, err := rec(t.Elem())
		return "map[" + k + "]" + v, err
	case reflect.Chan:
		e, err := rec(t.Elem())
		recvElem := t.Elem().Name() == "" && t.Elem().Kind() == reflect.Chan && t.Elem().ChanDir() == reflect.RecvDir
		return chanString(chanDir(t.ChanDir()), e, recvElem), err
	case reflect.Func:
		var params, results []string
		for i := range t.NumIn() {
			in := t.In(i)
			prefix := ""
			if t.IsVariadic() && i == t.NumIn()-1 {
				in, prefix = in.Elem(), "..."
			}
			s, err := rec(in)
			if err != nil {
				return "", err
			}
			params = append(params, prefix+s)
		}
		for i := range t.NumOut() {
			s, err := rec(t.Out(i))
			if err != nil {
				return "", err
			}
			results = append(results, s)
		}
		return funcString("func", params, results), nil
	case reflect.Struct:
		var fields []string
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return "", unnameableError("struct type with field "+f.Name, f.PkgPath)
			}
			s, err := rec(f.Type)
			if err != nil {
				return "", err
			}
			if !f.Anonymous {
				s = f.Name + " " + s
			}
			fields = append(fields, fieldString(s, string(f.Tag)))
		}
		return bodyString("struct", fields), nil
	case reflect.Interface:
		var methods []string
		for i := range t.NumMethod() {
			m := t.Method(i)
			if !m.IsExported() {
				return "", unnameableError("interface type with method "+m.Name, m.PkgPath)
			}
			s, err := rec(m.Type)
			if err != nil {
				return "", err
			}
			methods = append(methods, m.Name+strings.TrimPrefix(s, "func"))
		}
		if len(methods) == 0 {
			return "any", nil
		}
		return bodyString("interface", methods), nil
	}
	return "", fmt.Errorf("%w: %s", ErrUnsupportedType, t)
}

func renderTypes(t types.Type, mainPath string, q qualifier) (string, error) {
	rec := func(t types.Type) (string, error) { return renderTypes(t, mainPath, q) }
	switch t := t.(type) {
	case *types.Alias:
		return rec(types.Unalias(t))
	case *types.Named:
		obj := t.Obj()
		switch {
		case obj.Pkg() == nil:
			return obj.Name(), nil // error, comparable
		case obj.Pkg().Path() == mainPath || obj.Pkg().Name() == "main":
			return "", mainTypeError(mainPath, obj.Name())
		case t.TypeArgs().Len() > 0:
			return "", fmt.Errorf("%w: instance of generic type %s", ErrUnsupportedType, t)
		}
		return q(obj.Pkg().Path(), obj.Name()), nil
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return q("unsafe", "Pointer"), nil
		}
		// types.Typ is indexed by kind, so byte and rune come out as uint8
		// and int32, as reflect spells them.
		return types.Typ[t.Kind()].Name(), nil
	case *types.Pointer:
		e, err := rec(t.Elem())
		return "*" + e, err
	case *types.Slice:
		e, err := rec(t.Elem())
		return "[]" + e, err
	case *types.Array:
		e, err := rec(t.Elem())
		return "[" + strconv.FormatInt(t.Len(), 10) + "]" + e, err
	case *types.Map:
		k, err := rec(t.Key())
		if err != nil {
			return "", err
		}
		v, err := rec(t.Elem())
		return "map[" + k + "]" + v, err
	case *types.Chan:
		e, err := rec(t.Elem())
		inner, isChan := types.Unalias(t.Elem()).(*types.Chan)
		recvElem := isChan && inner.Dir() == types.RecvOnly
		dir := reflect.BothDir
		switch t.Dir() {
		case types.SendOnly:
			dir = reflect.SendDir
		case types.RecvOnly:
			dir = reflect.RecvDir
		}
		return chanString(chanDir(dir), e, recvElem), err
	case *types.Signature:
		if t.TypeParams().Len() > 0 {
			return "", fmt.Errorf("%w: generic function type %s", ErrUnsupportedType, t)
		}
		var params, results []string
		for i := range t.Params().Len() {
			in := t.Params().At(i).Type()
			prefix := ""
			if t.Variadic() && i == t.Params().Len()-1 {
				in, prefix = in.(*types.Slice).Elem(), "..."
			}
			s, err := rec(in)
			if err != nil {
				return "", err
			}
			params = append(params, prefix+s)
		}
		for i := range t.Results().Len() {
			s, err := rec(t.Results().At(i).Type())
			if err != nil {
				return "", err
			}
			results = append(results, s)
		}
		return funcString("func", params, results), nil
	case *types.Struct:
		var fields []string
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() {
				return "", unnameableError("struct type with field "+f.Name(), f.Pkg().Path())
			}
			s, err := rec(f.Type())
			if err != nil {
				return "", err
			}
			if !f.Embedded() {
				s = f.Name() + " " + s
			}
			fields = append(fields, fieldString(s, t.Tag(i)))
		}
		return bodyString("struct", fields), nil
	case *types.Interface:
		if !t.IsMethodSet() {
			return "", fmt.Errorf("%w: constraint interface %s", ErrUnsupportedType, t)
		}
		// The complete method set, sorted, is what reflect reports too:
		// embedded interfaces are flattened.
		var methods []string
		for i := range t.NumMethods() {
			m := t.Method(i)
			if !m.Exported() {
				return "", unnameableError("interface type with method "+m.Name(), m.Pkg().Path())
			}
			s, err := rec(m.Type())
			if err != nil {
				return "", err
			}
			methods = append(methods, m.Name()+strings.TrimPrefix(s, "func"))
		}
		if len(methods) == 0 {
			return "any", nil
		}
		return bodyString("interface", methods), nil
	}
	return "", fmt.Errorf("%w: %s", ErrUnsupportedType, t)
}

type chanDir reflect.ChanDir

// chanString writes a channel type. A bidirectional channel of receive-only
// channels needs parentheses: "chan <-chan int" would parse as
// "chan<- chan int".
func chanString(dir chanDir, elem string, recvElem bool) string {
	switch reflect.ChanDir(dir) {
	case reflect.RecvDir:
		return "<-chan " + elem
	case reflect.SendDir:
		return "chan<- " + elem
	}
	if recvElem {
		return "chan (" + elem + ")"
	}
	return "chan " + elem
}

// funcString writes a signature the way gofmt and %T do:
// "func(int, ...string) (int, error)".
func funcString(head string, params, results []string) string {
	s := head + "(" + strings.Join(params, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		s += " " + results[0]
	default:
		s += " (" + strings.Join(results, ", ") + ")"
	}
	return s
}

// fieldString appends a struct tag, raw-quoted when it can be.
func fieldString(field, tag string) string {
	if tag == "" {
		return field
	}
	if strings.ContainsAny(tag, "`\r") || !strconv.CanBackquote(tag) {
		return field + " " + strconv.Quote(tag)
	}
	return field + " `" + tag + "`"
}

// bodyString writes a one-line struct or interface type as gofmt does.
func bodyString(kw string, members []string) string {
	if len(members) == 0 {
		return kw + "{}"
	}
	return kw + "{ " + strings.Join(members, "; ") + " }"
}
