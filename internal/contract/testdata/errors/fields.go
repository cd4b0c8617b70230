package api

type FieldsKind struct {
	PluginManifest Manifest
	name           string // want `kind fields \(FieldsKind\), field name: is not an exported Go identifier`
	_              int    // want `field _: is not an exported Go identifier`
	Greeter               // want `field Greeter: is embedded: .* write it as Name Greeter`
	A              int
	A              string // want `field A: is duplicated \(first at .*fields.go:8:2\)`
	B, B           int    // want `field B: is duplicated`
}
