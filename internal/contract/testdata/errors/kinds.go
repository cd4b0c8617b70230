package api

type Kind struct { // want `type Kind: cannot declare a kind: the name is empty`
	PluginManifest Manifest
}

type FuncKind struct { // want `type FuncKind: cannot declare a kind: kind name "func" is a Go keyword`
	PluginManifest Manifest
}

type MainKind struct { // want `type MainKind: cannot declare a kind: kind name "main"`
	PluginManifest Manifest
}

type ÜberKind struct { // want `type ÜberKind: cannot declare a kind: kind name "über" is not \[a-z\]\[a-z0-9_\]\*`
	PluginManifest Manifest
}

type IntKind int // want `kind int \(IntKind\): is not a struct type`

type AliasKind = struct{ PluginManifest Manifest } // want `kind alias \(AliasKind\): is an alias`

type GenericKind[T any] struct { // want `kind generic \(GenericKind\): is generic`
	PluginManifest Manifest
	V              T
}

type FooKind struct {
	PluginManifest Manifest
}

type FOOKind struct { // want `kind foo \(FOOKind\): declares the kind foo, as FooKind does at .*kinds.go:28:6`
	PluginManifest Manifest
}
