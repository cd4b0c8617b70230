package api

import (
	_ "embed"
	. "strings"
	"time"
)

type unexported struct{}

type Generic[T any] struct{ V T }

const n = 3

type TypesKind struct {
	PluginManifest Manifest
	Unknown        Missing           // want `field Unknown: Missing is neither predeclared nor declared in package api \(a dot import`
	NotImported    os.File           // want `field NotImported: os in os.File is not an imported package of .*types.go`
	Hidden         unexported        // want `field Hidden: type unexported is not exported: code outside package api cannot name it`
	Nil            nil               // want `field Nil: nil is not a type`
	Private        time.month        // want `field Private: time.month is not exported`
	Bare           Generic           // want `field Bare: generic type Generic needs type arguments`
	Arity          Generic[int, int] // want `field Arity: generic type Generic takes 1 type arguments, not 2`
	Len            [n]int            // want `field Len: constant n is not exported`
	Constraint     comparable        // want `field Constraint: comparable is a constraint`
	Set            interface{ ~int } // want `field Set: interface with a type set \(~int\) is a constraint`
	Builder        Builder           // want `field Builder: Builder is neither predeclared nor declared`
}
